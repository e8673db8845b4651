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

    Links may point only to http(s), mailto or a path of this site; images only to a path of
    this site. A "path" that a browser would read as another host (``//host``, ``/\\host``,
    or either with tabs or newlines between the slashes) is dropped.
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


def is_same_site_path(url: str) -> bool:
    """A path on this site: starts with one slash, and nothing a browser would fold into a
    second one (backslashes, whitespace or control characters)."""
    if not url.startswith("/") or url.startswith("//"):
        return False
    return not any(char == "\\" or char.isspace() or ord(char) < 32 for char in url)


def _same_site_images(tag: str, attribute: str, value: str):
    # Images from other origins would leak visitors to third parties (and break CSP); a link
    # that starts like a path must really be one (else it is a link to another host).
    if tag == "img" and attribute == "src" and not is_same_site_path(value):
        return None
    if (
        tag == "a"
        and attribute == "href"
        and value[:1] in ("/", "\\")
        and not is_same_site_path(value)
    ):
        return None
    return value
