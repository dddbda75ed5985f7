"""Numbered figures from notebook cells: one figure per image, never around the cell's other outputs.

A notebook cell's ``mystnb.figure`` metadata (caption) makes MyST-NB wrap *every* display output
of the cell in a figure with that caption -- the image, but also the sentence or table the cell
prints after it, and the hidden records of ``profiling.report.record``. This extension, run when
a page has been read and before Sphinx numbers its figures, keeps the figure around the image
outputs, gives each one an id (``fig-<chapter>-<n>``, so that Sphinx numbers it "Figure N"), and
unwraps the others (their copy of the caption is dropped).
"""

from __future__ import annotations

from docutils import nodes


def _has_image(node: nodes.Node) -> bool:
    return any(str(c.get("mime_type", "")).startswith("image/") for c in node.findall(nodes.container))


def keep_image_figures(app, doctree: nodes.document) -> None:
    chapter = app.env.docname.rsplit("/", 1)[-1][:2]
    count = 0
    for figure in list(doctree.findall(nodes.figure)):
        if not any(isinstance(c, nodes.container) and c.get("nb_element") == "mime_bundle" for c in figure.children):
            continue  # a figure written in Markdown ({figure}): not ours
        if _has_image(figure):
            count += 1
            if not figure["ids"]:
                figure["ids"].append(f"fig-{chapter}-{count}")
            continue
        kept = [c for c in figure.children if not isinstance(c, (nodes.caption, nodes.legend))]
        figure.replace_self(kept)


def setup(app):
    app.connect("doctree-read", keep_image_figures, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
