# Generated from notebooks/07_umap.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/07_umap.ipynb, for later lessons, checks and tools to import."""


def strip_headers(post):
    # RFC 1036: the header block ends at the first empty line.
    _, blank, body = post.partition("\n\n")
    return body.strip() if blank else post
