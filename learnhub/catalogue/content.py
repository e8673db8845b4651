"""Rich text from editors: sanitised once, on save, so pages can render it as is."""

import nh3

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "blockquote", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "hr", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "*": {"lang"},
}


def sanitise_html(html: str) -> str:
    """Keep structure and formatting; drop scripts, event handlers, styles and foreign frames.

    Links may point only to http(s), mailto or the site itself; images only to the site.
    """
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_same_site_images,
    )


def _same_site_images(tag: str, attribute: str, value: str):
    # Images from other origins would leak visitors to third parties (and break CSP).
    if tag == "img" and attribute == "src" and not value.startswith("/"):
        return None
    return value
