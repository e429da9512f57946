"""The small HTML pages a customer reaches through a signed link, with no login (support's
survey, marketing's unsubscribe): plain HTML, no script, no external asset, every value
escaped."""

from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}fieldset{margin:0 0 1rem;border:1px solid #888}legend{font-weight:600}"
    "label{margin-right:.75rem}textarea{width:100%}.error{color:#a00;font-weight:600}"
)


def page(title: str, body: str) -> str:
    """A whole page: ``title`` (escaped here) over ``body`` (HTML, escaped by the caller)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def message_page(title: str, message: str) -> str:
    return page(title, f"<p>{escape(message)}</p>")
