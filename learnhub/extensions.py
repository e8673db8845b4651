"""Extensions, created unbound; ``create_app`` binds them to the application."""

from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .clients import client_address
from .translation_domain import LearnhubBabel

# Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = LearnhubBabel()
cache = Cache()
# Pages that show one person's records (cache.cached_page(personal=True)): a store of their
# own, so that many people's pages never push the pages everyone shares out of ``cache``.
personal_cache = Cache()
# Keyed by the client's real address by default; a limit may key by network instead.
limiter = Limiter(key_func=client_address)
