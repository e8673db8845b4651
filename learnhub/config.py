"""Configuration: the only module that reads the environment.

Order (later wins): the defaults in :class:`Config` → ``instance/config.py`` →
environment variables → the mapping a test passes to ``create_app``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Config:
    """Defaults: an embedded site on SQLite in the instance folder."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # None → instance/learnhub.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SEARCH_DIR: str | None = None  # None → instance/search-index
    # A missing or damaged search index is rebuilt by itself, by a background job; searches
    # use the database meanwhile.
    SEARCH_AUTO_REBUILD = True
    # Where search looks: "whoosh" (an index in SEARCH_DIR, one machine) or "postgresql"
    # (a table in the site's PostgreSQL database, written with each change: several hosts).
    SEARCH_BACKEND = "whoosh"

    # Background jobs (learnhub.jobs, Huey): where the queue lives. None → a SQLite file in
    # the instance folder (one machine); redis://host:6379/0 for several hosts. The worker
    # (`flask jobs worker`) runs them with this many threads.
    JOBS_URL: str | None = None
    JOBS_QUEUE_NAME = "learnhub"
    JOBS_WORKER_THREADS = 2
    # A job that fails is tried again after 10 s, 20 s, 40 s … (doubling) this many times,
    # then kept as a failed job for province staff (/staff/jobs) to retry.
    JOBS_RETRIES = 5
    JOBS_RETRY_DELAY_SECONDS = 10

    # Activities: at most this many people wait for a full session (then it is refused as
    # full); a waiting list much longer than the session would only disappoint people.
    ACTIVITY_WAITING_LIST_LIMIT = 100

    # Region data: the installation serves one province (GB/T 2260 code).
    HOME_PROVINCE = "210000"

    # Languages and time: zh_CN first, times shown in China time.
    LANGUAGES = ("zh_CN", "en")
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

    # Cookies: never readable from scripts, not sent on cross-site posts.
    SESSION_COOKIE_NAME = "learnhub_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True (LEARNHUB_HTTPS=1) when served over HTTPS
    REMEMBER_COOKIE_NAME = "learnhub_remember"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    # A sign-in without "keep me signed in" ends after this long without a request, and at
    # most this long after it began (see learnhub/accounts/sessions.py).
    SESSION_IDLE_MINUTES = 120
    SESSION_MAX_HOURS = 12
    PREFERENCE_COOKIE_MAX_AGE = int(timedelta(days=365).total_seconds())
    HTTPS = False
    PREFERRED_URL_SCHEME = "http"

    WTF_CSRF_TIME_LIMIT = None  # forms must not time out on slow (elder) typists

    # Argon2id cost (RFC 9106 "second recommended" profile; above OWASP's minimum).
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 64 * 1024
    PASSWORD_HASH_PARALLELISM = 4
    # At most this many password hashes at once in one worker process (64 MiB each); a
    # sign-in that cannot get a slot within PASSWORD_HASH_WAIT_SECONDS is told to retry.
    PASSWORD_HASH_CONCURRENCY = 2
    PASSWORD_HASH_WAIT_SECONDS = 10

    # Sign-in limits (learnhub/accounts/limits.py). Community schools share one network,
    # so the network's limit is generous; an account's wrong passwords are few.
    SIGN_IN_LIMIT_PER_NETWORK = "200 per 10 minutes"
    SIGN_IN_LIMIT_PER_ADDRESS = "30 per 10 minutes"
    SIGN_IN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"

    MAX_CONTENT_LENGTH = 64 * 1024 * 1024

    # Account recovery (learnhub/accounts/recovery.py). A reset code staff give a learner
    # lasts this long; this many wrong codes in a row lock resets of the account for the
    # lock time. /reset and /forgot posts per client network and address (Flask-Limiter).
    RESET_CODE_HOURS = 24
    RESET_CODE_MAX_FAILURES = 10
    RESET_CODE_LOCK_MINUTES = 60
    RESET_LIMIT_PER_NETWORK = "100 per 10 minutes"
    RESET_LIMIT_PER_ADDRESS = "20 per 10 minutes"
    # E-mail (password links, address confirmation), sent by a background job through this
    # SMTP server. Without MAIL_SERVER the e-mail option is hidden and /forgot tells people
    # to ask a centre. MAIL_USE_TLS: STARTTLS on the port; MAIL_USE_SSL: TLS from the start.
    # The site's public address, e.g. "https://www.lnlll.cn": links in mails, activation
    # links and printed QR codes are built from it, never from a request's Host header. The
    # e-mail option needs it (a reset link built from Host could be mailed to another host).
    SITE_URL: str | None = None
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "learnhub <noreply@localhost>"
    MAIL_TIMEOUT_SECONDS = 30
    # How long a "forgot password" link and an address confirmation link are valid.
    RESET_LINK_MINUTES = 60
    EMAIL_CONFIRM_HOURS = 48

    # Behind reverse proxies of our own (nginx, a load balancer): how many of them append
    # to X-Forwarded-For. 0 believes no such header (learnhub serves clients directly).
    TRUSTED_PROXY_COUNT = 0
    # Request limits (Flask-Limiter): where the counters live. memory:// counts in each
    # process; with several workers or hosts use Redis, e.g. redis://cache.internal:6379/2.
    RATELIMIT_STORAGE_URI = "memory://"
    # Stated for every app: Flask-Limiter keeps one Limiter, and an app built without this
    # setting would inherit whatever the previous app in the process chose (an app built
    # with limits off turned them off for every app built after it).
    RATELIMIT_ENABLED = True
    RATELIMIT_KEY_PREFIX = "learnhub-limits"
    # /metrics (Prometheus) answers only "Authorization: Bearer <METRICS_TOKEN>"; unset, it is
    # not there at all. Several processes: set PROMETHEUS_MULTIPROC_DIR (docs/deployment.md).
    METRICS_TOKEN: str | None = None
    # "json": one JSON object a line with the request id, for a log collector; "text":
    # Flask's plain lines. LOG_LEVEL: the lowest level written by the site's loggers.
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    RATELIMIT_HEADERS_ENABLED = True
    # What people search for (/search/terms): different terms one client counts a day
    # (each term once); bots and floods count for nothing (learnhub/search/term_limits.py).
    SEARCH_TERMS_PER_CLIENT = 30
    # Registration form posts one client address, and one network (/24, /64), may make;
    # beyond: 429, nothing created. Flask-Limiter's notation ("5/hour;20/day").
    REGISTRATION_RATE_LIMIT_PER_ADDRESS = "5/hour;20/day"  # accounts created
    REGISTRATION_POSTS_PER_ADDRESS = "30/hour"  # registration forms sent, refused ones too
    REGISTRATION_RATE_LIMIT_PER_NETWORK = "20/hour;60/day"

    # Cache of public fragments and data (learnhub/cache.py). SimpleCache lives in each
    # process; with several workers or hosts use RedisCache and CACHE_REDIS_URL.
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 300
    CACHE_KEY_PREFIX = "learnhub:"
    CACHE_FRAGMENTS = True
    # Pages showing one person's records ("my credits", "my learning") are kept apart, in the
    # same kind of cache, for a shorter time; with SimpleCache at most this many per process.
    PERSONAL_CACHE_SECONDS = 120
    PERSONAL_CACHE_THRESHOLD = 300

    # Learning (docs/learning.md). Each learner has one study clock for all lessons, tabs
    # and devices. The fastest playback speed the player offers: playing S seconds of media
    # uses S / rate seconds of the clock, and a position moving faster is a seek.
    MEDIA_MAX_PLAYBACK_RATE = 2.0
    STUDY_CLOCK_TOLERANCE_SECONDS = 3  # slack for network jitter between media reports
    # A text's minimum reading time: this floor plus its length at this rate (a Chinese
    # character or a word of another script is one unit; 600/min is fast adult reading).
    READING_FLOOR_SECONDS = 5
    READING_UNITS_PER_MINUTE = 600
    # Quizzes: after this many failed attempts in a row the learner rests before the next
    # try, this long the first time, twice as long each further round, at most the maximum.
    QUIZ_FREE_ATTEMPTS = 3
    QUIZ_COOLDOWN_MINUTES = 10
    QUIZ_COOLDOWN_MAX_MINUTES = 24 * 60

    # Media uploads (learnhub.media): the largest file of each kind. Studio pages that take
    # a file accept request bodies up to that size plus 1 MiB, whatever MAX_CONTENT_LENGTH.
    MEDIA_MAX_VIDEO_BYTES = 512 * 1024 * 1024
    MEDIA_MAX_AUDIO_BYTES = 100 * 1024 * 1024
    MEDIA_MAX_IMAGE_BYTES = 5 * 1024 * 1024

    # The learning map (/map, learnhub.places): drawn on the server without any outside
    # service. An operator may lay a tile layer under it: URL templates with {z}, {x}, {y}
    # (a string, or a list of layers drawn in order, e.g. 天地图's vec_w and cva_w with
    # their tk= key), the attribution the service asks for, and the zoom level. Off by
    # default: the map page then contacts no other server.
    MAP_TILE_URL: str | list[str] | None = None
    MAP_TILE_ATTRIBUTION = ""
    MAP_TILE_ZOOM = 7

    # Rankings (learnhub.rankings): how views are counted and kept. See docs/rankings.md.
    RANKINGS_DEDUPE_MINUTES = 30  # repeat views of a resource by one visitor count once
    RANKINGS_RATE_LIMIT = 60  # views one visitor may make in the rate window; more are filtered
    # Views one client address (all its visitors together), and one network (/24 of IPv4,
    # /64 of IPv6), may make in the rate window; more are filtered.
    RANKINGS_ADDRESS_RATE_LIMIT = 200
    RANKINGS_NETWORK_RATE_LIMIT = 500
    RANKINGS_RATE_WINDOW_MINUTES = 10
    # More than this many self-registrations from one network within the burst window are
    # shown to the city's staff as a burst (/staff/rankings/registrations) to exclude.
    RANKINGS_BURST_REGISTRATIONS = 5
    RANKINGS_BURST_MINUTES = 60
    RANKINGS_RETENTION_DAYS = 400  # raw view events older than this are pruned (aggregates stay)
    # Each web process hands its views to the job queue in one batch at most this often
    # (and at 500 views, and when it stops); 0 = each request writes its own views.
    RANKINGS_VIEW_FLUSH_SECONDS = 1.0
    RANKINGS_MAX_RANGE_DAYS = 731  # longest custom date range a board accepts
    RANKINGS_API_RATE_LIMIT = 120  # API and export requests per client address per minute
    RANKINGS_CACHE_SECONDS = 30  # how long a computed board is reused; 0 = no cache
    # Satisfaction (learnhub.satisfaction): a course's or activity's ratings are shown once
    # this many learners rated it (fewer would name the few).
    SATISFACTION_MIN_RATINGS = 5

    # Personal information (learnhub.privacy, docs/privacy.md). The privacy notice people
    # agree to: a new version is asked for again at everyone's next request.
    PRIVACY_NOTICE_VERSION = "2026-12"
    PRIVACY_EXPORT_LINK_HOURS = 72  # a built "my data" ZIP may be downloaded once, this long
    PRIVACY_CLOSURE_COOLING_OFF_DAYS = 7  # a closing request can be taken back this long
    # How long what is kept only for running the site stays (deleted by scheduled jobs):
    PRIVACY_SIGN_IN_RECORD_DAYS = 180  # ended device sessions (sign-in records)
    PRIVACY_SEARCH_LOG_DAYS = 365  # daily counts of search terms
    PRIVACY_REJECTED_EVIDENCE_DAYS = 180  # evidence of rejected or withdrawn applications

    # Credit bank (learnhub.creditbank): credit amounts are strings or numbers with at most
    # two decimals, read as Decimal. Study hours that make one credit (recognition claims
    # and attendance are checked against it).
    CREDIT_HOURS_PER_CREDIT = 16
    # Check-in at activity sessions (learnhub.activities.checkin): how long before a session's
    # start its code is shown, and how many refused codes one account may send (six digits
    # could be guessed).
    CHECK_IN_OPENS_MINUTES_BEFORE = 30
    CHECK_IN_WRONG_CODES_PER_ACCOUNT = "10 per 10 minutes"
    CREDIT_MAX_PER_RECOGNITION = "20"  # the most credits one recognition may claim
    CREDIT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # per evidence file (PDF, JPG, PNG)
    CREDIT_EVIDENCE_DIR: str | None = None  # None → instance/credit-evidence (never public)
    CREDIT_STATEMENT_PAGE_SIZE = 50
    CREDIT_PDF_FONT: str | None = None  # a CJK TrueType font for PDFs; None → WenQuanYi or STSong
    CREDIT_CERTIFICATE_ISSUER = "辽宁省终身学习学分银行"
    # /verify: a client asking for more unknown codes than this in the window must wait.
    CREDIT_VERIFY_MAX_MISSES = 10
    CREDIT_VERIFY_WINDOW_SECONDS = 600
    # One staff adjustment moves at most this many credits (either way); above the four-eyes
    # amount it is only a request until a second staff member approves it.
    CREDIT_ADJUSTMENT_MAX = "100.00"
    CREDIT_ADJUSTMENT_FOUR_EYES = "10.00"
    # The ledger's HMAC keys, never in the database: a mapping key id → secret (32+ chars;
    # the last one signs new entries), e.g. LEARNHUB_CREDIT_LEDGER_KEYS='{"k2027": "..."}'.
    # None → the key file (None → instance/ledger-keys.json, made on first use).
    CREDIT_LEDGER_KEYS: dict | None = None
    CREDIT_LEDGER_KEY_FILE: str | None = None
    # Signed anchors of the ledger's heads (hourly job); None → instance/ledger-anchors.
    CREDIT_LEDGER_ANCHOR_DIR: str | None = None


def instance_path() -> str | None:
    """Where this installation keeps its files (``LEARNHUB_INSTANCE_PATH``; default ./instance)."""
    return os.environ.get("LEARNHUB_INSTANCE_PATH") or None


def load_config(app: Flask, test_config: dict | None = None) -> None:
    """Fill ``app.config`` in the documented order and derive what is left."""
    app.config.from_object(Config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(Config.SQLALCHEMY_ENGINE_OPTIONS)
    app.config.from_pyfile("config.py", silent=True)
    _load_environment(app)
    if test_config:
        app.config.from_mapping(test_config)
    _apply_derived_settings(app)


def _load_environment(app: Flask) -> None:
    app.config.from_prefixed_env("LEARNHUB")
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]


def private_folder(path: Path) -> Path:
    """Make a folder only this system user may enter (0700), with its parents; returns it.

    The instance folder holds the SQLite database (password hashes), the secret key and
    evidence files: nobody else on the machine may read them.
    """
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> None:
    """Create an empty file readable by this system user only (0600), if it is missing."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url in (prefix, prefix + ":memory:"):
        return None
    return Path(url.removeprefix(prefix).split("?", 1)[0])


def _apply_derived_settings(app: Flask) -> None:
    instance = Path(app.instance_path)
    # Environment values are parsed as JSON, so LEARNHUB_HOME_PROVINCE=210000 is a number.
    app.config["HOME_PROVINCE"] = str(app.config["HOME_PROVINCE"])
    # A copy, so nested overrides (LEARNHUB_SQLALCHEMY_ENGINE_OPTIONS__pool_size) never
    # change the class default shared by every app in the process.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        private_folder(instance)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'learnhub.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SEARCH_DIR"):
        app.config["SEARCH_DIR"] = str(instance / "search-index")
    if not app.config.get("JOBS_URL"):
        private_folder(instance)
        app.config["JOBS_URL"] = f"sqlite:///{instance / 'jobs.sqlite3'}"
    # SQLite makes its -wal and -shm files with the database file's permissions.
    for url in (app.config["SQLALCHEMY_DATABASE_URI"], app.config["JOBS_URL"]):
        database_file = _sqlite_file(url)
        if database_file is not None and database_file.parent.is_dir():
            private_file(database_file)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at the psycopg 3 driver, whatever scheme was given."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret_key(instance: Path) -> str:
    """Read the key kept in the instance folder, creating it once on first run."""
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    private_folder(instance)
    key = secrets.token_urlsafe(48)
    # Write aside, then link into place: link fails if another worker won the race,
    # and nobody ever reads a half-written key.
    tmp = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    try:
        os.link(tmp, key_file)
    except FileExistsError:
        key = key_file.read_text().strip()
    finally:
        tmp.unlink()
    return key
