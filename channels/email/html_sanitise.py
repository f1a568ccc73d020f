"""An e-mail's HTML as Backline keeps it (EML1): sanitised with nh3 (the Ammonia sanitiser)
when the mail arrives, so that a desk may render it. Ammonia's allow-list already drops
scripts, styles, forms, frames, event handlers (`onerror` …) and `style` attributes; on top
of it:
- links keep only http, https, mailto and tel targets: no `javascript:` or `data:` URL, and
  no relative URL (it would point into the desk's own origin);
- images keep their size and `alt` but lose `src`, so rendering the mail loads nothing from
  the sender's servers (no tracking pixel, no "mail was read" signal). The mail's own images
  are among its attachments."""

from __future__ import annotations

import copy

import nh3

_ATTRIBUTES = copy.deepcopy(nh3.ALLOWED_ATTRIBUTES)
_ATTRIBUTES["img"].discard("src")

_CLEANER = nh3.Cleaner(
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "tel"},
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitise_html(html: str) -> str:
    return _CLEANER.clean(html).strip()
