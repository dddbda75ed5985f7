"""The report's HTML: each executed chapter as a standalone page, and the ``index.html`` summary.

:func:`render_chapter` turns an executed notebook into one HTML file with nbconvert (CSS and
figures inlined; math from the MathJax copied next to the report when the course checkout vendors
it, :func:`mathjax_source`, else from a CDN). :func:`index_html` writes the summary page from the
run's record (``run.json``): the data and the report's settings (shop name, currency), each chapter
with its parameters (and its calendar, when it was scaled to fit a short history), or why it was
skipped (with the option that would run it), or the error it failed with, the profile table's personas and segments, and the versions.
"""

from __future__ import annotations

import html
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from profiling import __version__

__all__ = ["bibliography", "cite_as_text", "index_html", "mathjax_source", "profile_summary", "render_chapter", "versions"]

#: nbconvert's lab template without the CDN scripts, with MathJax from a local URL.
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
                        processEscapes: true, processEnvironments: true}};
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}
"""


def mathjax_source() -> Path | None:
    """The MathJax 3 the book vendors (``book/static/mathjax``), if the package runs from a course checkout.

    An optional asset, not data: without it the chapter pages load MathJax from a CDN. It is looked
    for next to the package itself (as before the command became a package), so that
    ``--notebooks`` or ``$PROFILING_NOTEBOOKS`` pointing elsewhere does not change the pages.
    """
    folder = Path(__file__).resolve().parents[2] / "book" / "static" / "mathjax"
    return folder if (folder / "tex-mml-chtml.js").is_file() else None


def merge_parameters(nb: Any) -> None:
    """One parameters cell with the values this run used, in place of the chapter's defaults and papermill's injected cell.

    The defaults cell of a chapter describes the course's own data in its values and comments
    (the shipped file, its currency, its dates); a report shows, in its place, every parameter
    with the value it ran with -- the injected one where the report set it, else the default --
    without the comments. Left as it is when either cell is missing or does not parse.

    Example
    -------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell('data_path = None  # the shipped data\\nk = {"a": 1,\\n     "b": 2}'),
    ...             nbformat.v4.new_code_cell('# Parameters\\ndata_path = "../transactions.parquet"\\n')]
    >>> nb.cells[0].metadata["tags"], nb.cells[1].metadata["tags"] = ["parameters"], ["injected-parameters"]
    >>> merge_parameters(nb)
    >>> len(nb.cells), nb.cells[0].source.splitlines()[1:]
    (1, ['data_path = "../transactions.parquet"', 'k = {"a": 1,', '     "b": 2}'])
    """
    import ast

    def tagged(tag: str) -> int | None:
        return next((i for i, c in enumerate(nb.cells) if tag in c.get("metadata", {}).get("tags", [])), None)

    defaults_at, injected_at = tagged("parameters"), tagged("injected-parameters")
    if defaults_at is None or injected_at is None:
        return
    try:
        defaults = ast.parse(nb.cells[defaults_at].source)
        injected = ast.parse(nb.cells[injected_at].source)
    except SyntaxError:
        return

    def values(tree: ast.Module, text: str) -> dict[str, str] | None:
        out = {}
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                return None
            out[node.targets[0].id] = ast.get_source_segment(text, node.value)
        return out

    given = values(injected, nb.cells[injected_at].source)
    default = values(defaults, nb.cells[defaults_at].source)
    if given is None or default is None:
        return
    merged = {**default, **given}
    nb.cells[defaults_at].source = "# Parameters of this run (the report's values, else the chapter's defaults)\n" + "\n".join(
        f"{name} = {value}" for name, value in merged.items())
    nb.cells[defaults_at].outputs = []
    del nb.cells[injected_at]


_CITE = re.compile(r"\{cite(?::(p|t|ps|ts))?\}`([^`]+)`")


def _latex_to_text(value: str) -> str:
    """'K{\\"u}nzel' -> 'Künzel' (latexcodec comes with pybtex)."""
    import codecs

    if "\\" in value:
        try:
            import latexcodec  # noqa: F401  (registers the codec)

            value = codecs.decode(value.encode("utf-8"), "latex")
        except (ImportError, ValueError):
            pass
    return re.sub(r"[{}]", "", value)


def bibliography() -> dict[str, tuple[str, str]]:
    """Key -> (authors as cited, year) of the course's ``book/references.bib``, when the package runs
    from a course checkout and pybtex (a dependency of the book's tools) is installed; else empty."""
    path = Path(__file__).resolve().parents[2] / "book" / "references.bib"
    try:
        from pybtex.database import parse_file
    except ImportError:
        return {}
    if not path.is_file():
        return {}
    out = {}
    for key, entry in parse_file(str(path)).entries.items():
        people = entry.persons.get("author", [])
        names = [_latex_to_text(" ".join(p.last_names)) for p in people]
        if not names:
            cited = _latex_to_text(entry.fields.get("title", key))
        elif len(names) == 1 or (len(names) == 2 and names[1] == "others"):
            cited = names[0] + (" et al." if len(names) == 2 else "")
        elif len(names) == 2:
            cited = f"{names[0]} and {names[1]}"
        else:
            cited = f"{names[0]} et al."
        out[key] = (cited, entry.fields.get("year", ""))
    return out


def cite_as_text(markdown: str, works: dict[str, tuple[str, str]]) -> str:
    """MyST citations (``{cite:p}`key` ``, ``{cite:t}`key` ``) as plain author-year text.

    The book renders them with sphinxcontrib-bibtex; a report page (nbconvert) would show the raw
    role, so it shows "(Breiman 2001)" instead; an unknown key stays as the key.

    Example
    -------
    >>> works = {"breiman2001": ("Breiman", "2001"), "hu2008": ("Hu et al.", "2008")}
    >>> cite_as_text("forests {cite:p}`breiman2001,hu2008`; {cite:t}`breiman2001` showed", works)
    'forests (Breiman 2001; Hu et al. 2008); Breiman (2001) showed'
    """

    def one(key: str, textual: bool) -> str:
        who, year = works.get(key.strip(), (key.strip(), ""))
        if not year:
            return who
        return f"{who} ({year})" if textual else f"{who} {year}"

    def repl(m: re.Match) -> str:
        keys = [k for k in m.group(2).split(",") if k.strip()]
        if m.group(1) in ("t", "ts"):
            return ", ".join(one(k, True) for k in keys)
        return "(" + "; ".join(one(k, False) for k in keys) + ")"

    return _CITE.sub(repl, markdown)


def render_chapter(executed: Path, target: Path, mathjax_url: str | None) -> None:
    """Executed notebook -> standalone HTML (CSS and figures inlined; math from ``mathjax_url``)."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    from profiling.report import MIME_TYPE

    nb = nbformat.read(executed, as_version=4)
    merge_parameters(nb)
    works = bibliography()
    for cell in nb.cells:  # citations as text (the book links them to its bibliography)
        if cell.cell_type == "markdown" and "{cite" in cell.source:
            cell.source = cite_as_text(cell.source, works)
    for cell in nb.cells:  # recorded values are invisible in the book; drop them (no renderer for the MIME type)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if MIME_TYPE not in o.get("data", {})]
    if mathjax_url is None:
        exporter = HTMLExporter(template_name="lab")
    else:
        exporter = HTMLExporter(
            template_name="lab",
            extra_loaders=[jinja2.DictLoader({"profiling_offline.html.j2": _OFFLINE_TEMPLATE})],
            template_file="profiling_offline.html.j2",
            mathjax_url=mathjax_url,
        )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": executed.stem}})
    target.write_text(body, encoding="utf-8")


def versions() -> dict[str, str]:
    """Python's and the main packages' versions, for the report's record."""
    out = {"python": platform.python_version(), "profiling": __version__}
    for name in ["pandas", "numpy", "scikit-learn", "duckdb", "pyarrow", "papermill", "nbconvert"]:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def profile_summary(profiles: pd.DataFrame) -> dict[str, Any]:
    """Rows, columns, the personas (number, name, customers) and the customers per RFM segment."""
    personas = profiles.groupby(["persona", "persona_name"], observed=True).size().reset_index(name="customers")
    segments_count = profiles["rfm_segment"].astype("str").value_counts().sort_index()
    return {
        "rows": int(len(profiles)),
        "columns": int(profiles.shape[1]),
        "personas": [[int(p), str(nm), int(c)] for p, nm, c in personas.itertuples(index=False)],
        "segments": {str(k): int(v) for k, v in segments_count.items()},
    }


#: The report's note on math rendering (``run["math_note"]``), with and without the vendored MathJax.
MATH_OFFLINE = "Math in the chapter pages renders offline (MathJax 3 copied into static/)."
MATH_CDN = "Math in the chapter pages loads MathJax from a CDN (needs the network); text, tables and figures do not."

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{background:#f5f5f5;padding:0 .2em}.skipped{color:#a0522d}.failed{color:#b00020}.num{text-align:right}
.note{background:#fff8e1;border-left:4px solid #E69F00;padding:.5em 1em}
"""


def index_html(run: dict[str, Any]) -> str:
    """The report's ``index.html`` from the run's record (what ``run.json`` holds), in the run's language
    (``run["lang"]``, :func:`profiling.i18n.tr`)."""
    from profiling import i18n
    from profiling.i18n import tr

    previous = i18n.language()
    i18n.set_language(run.get("lang", "en"))
    try:
        return _index_html(run, tr)
    finally:
        i18n.set_language(previous)


def _index_html(run: dict[str, Any], tr: Any) -> str:
    from profiling.segments import persona_label

    e = html.escape
    d, s = run["data"], run["data"]["summary"]
    yes, no = tr("yes"), tr("no")
    rows = [
        (tr("Data file"), tr("{file} ({size:,} bytes, sha256 {digest}…)").format(
            file=f"<code>{e(d['file'])}</code>", size=d["bytes"], digest=f"<code>{e(d['sha256'][:16])}</code>")),
        (tr("Column mapping"), e(", ".join(f"{k} ← {v!r}" for k, v in d["columns"].items()) or tr("none (canonical names)"))),
        (tr("Rows"), f"{s['rows']:,}"),
        (tr("Customers"), tr("{customers:,} (plus {lines:,} lines without a customer id)").format(
            customers=s["customers"], lines=s["lines_without_customer"])),
        (tr("Invoices / items"), f"{s['invoices']:,} / {s['items']:,}"),
        (tr("Period"), tr("{first} to {last}").format(first=e(s["first"]), last=e(s["last"]))),
        (tr("Optional columns"), e(", ".join(f"{c}: {yes if v else no}" for c, v in s["has"].items()))),
    ]
    labels = {"shop_name": tr("Shop name"), "currency": tr("Currency")}
    for name, setting in run.get("settings", {}).items():
        value = "—" if setting["value"] is None else f"<code>{e(str(setting['value']))}</code>"
        rows.append((labels.get(name, e(name)), f"{value} ({e(setting['from'])})"))
    lang = run.get("lang", "en")
    out = [
        "<!DOCTYPE html>", f'<html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head><meta charset="utf-8">',
        f"<title>{tr('Profiling report: {file}').format(file=e(d['file']))}</title><style>{_CSS}</style></head><body>",
        "<h1>" + tr('User profiles report: {file}').format(file='<code>' + e(d['file']) + '</code>') + "</h1>",
        "<p>" + tr("Created {created} in {seconds:.1f} s by {command}.").format(
            created=e(run["created"]), seconds=run["seconds"], command=f"<code>{e(run['command'])}</code>") + "</p>",
        f"<h2>{tr('Data')}</h2><table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>",
        f"<h2>{tr('Chapters')}</h2><table><tr><th>{tr('chapter')}</th><th>{tr('result')}</th>"
        f"<th class='num'>{tr('time (s)')}</th><th>{tr('parameters injected')}</th></tr>",
    ]
    for ch in run["chapters"]:
        links = [f"<a href='{e(ch[k])}'>{label}</a>" for k, label in (("html", "HTML"), ("notebook", tr("notebook")))
                 if ch.get(k)]
        if ch["status"] == "ran":
            result = " · ".join(links)
            if ch.get("scaled"):
                result += "<br><small>" + tr("calendar scaled: {text}").format(text=e(ch["scaled"]["text"])) + "</small>"
            if ch.get("left_out"):
                result += "<br><small>" + tr("left out: {cells} cell(s)").format(
                    cells=e(", ".join(f"{v} {k}" for k, v in ch["left_out"].items()))) + "</small>"
        elif ch["status"] == "failed":
            result = "<span class='failed'>" + tr("failed: {error}").format(error=e(ch["error"])) + "</span>" + (
                "<br>" + " · ".join(links) + " " + tr("(as far as it ran)") if links else "")
        else:
            result = "<span class='skipped'>" + tr("skipped: {reason}").format(reason=e(ch["reason"])) + "</span>"
        seconds = f"{ch['seconds']:.1f}" if "seconds" in ch else "–"
        params = "<br>".join(f"<code>{e(k)} = {e(repr(v))}</code>" for k, v in ch.get("parameters", {}).items())
        out.append(f"<tr><td>{e(ch['chapter'])}. {e(ch['title'])}</td><td>{result}</td><td class='num'>{seconds}</td><td>{params}</td></tr>")
    out.append("</table>")
    notes = [tr("Chapter {chapter} failed: {error}. The other chapters are complete; run this one in Jupyter on the same "
                "data to investigate, or leave it out with --chapters.").format(chapter=e(ch["chapter"]), error=e(ch["error"]))
             for ch in run["chapters"] if ch["status"] == "failed"]
    notes += [tr("Chapter {chapter} was skipped: {reason}.").format(chapter=e(ch["chapter"]), reason=e(ch["reason"]))
              for ch in run["chapters"] if ch["status"] == "skipped"]
    if run.get("sampled"):
        notes.append(e(run["sampled"]["text"]))
    notes += [tr("Chapter {chapter}: {text} (its dates and durations, shorter than in the course, keep their order and "
                 "every outcome window ends before the next date).").format(chapter=e(ch["chapter"]), text=e(ch["scaled"]["text"]))
              for ch in run["chapters"] if ch.get("scaled")]
    if notes:
        out.append("<p class='note'>" + "<br>".join(notes) + "</p>")
    if run.get("left_out_tags"):
        out.append("<p>" + tr("Cells of the course tagged {tags} (about the course's own data, exercises and their "
                              "solutions) are neither run nor shown in this report.").format(
                                  tags=e(", ".join(run["left_out_tags"]))) + "</p>")
    p = run["profiles"]
    if "error" in p:
        out.append(f"<h2>{tr('Profile table')}</h2><p class='note'><span class='failed'>"
                   + tr("The profile table could not be built: {error}").format(error=e(p["error"])) + "</span></p>")
    else:
        out.append(
            f"<h2>{tr('Profile table')}</h2><p>" + tr("{file}: {rows:,} customers × {columns} columns, built by {built_by}; "
                                                      "cutoff {cutoff}.").format(
                file="<a href='profiles.parquet'>profiles.parquet</a>", rows=p["rows"], columns=p["columns"],
                built_by=e(p["built_by"]), cutoff=e(str(p["cutoff"]))) + "</p>"
        )
        out.append(f"<table><tr><th>{tr('persona')}</th><th>{tr('name')}</th><th class='num'>{tr('customers')}</th></tr>"
                   + "".join(f"<tr><td>{i}</td><td>{e(persona_label(nm))}</td><td class='num'>{c:,}</td></tr>" for i, nm, c in p["personas"])
                   + "</table>")
        out.append(f"<table><tr><th>{tr('RFM segment')}</th><th class='num'>{tr('customers')}</th></tr>" + "".join(
            f"<tr><td>{e(k)}</td><td class='num'>{v:,}</td></tr>" for k, v in p["segments"].items()) + "</table>")
    params = e(", ".join(f"{k}={v!r}" for k, v in run["parameters"].items())) or tr("none")
    cutoff = e(str(run["cutoff"])) if run["cutoff"] else tr("not given (profile date: the day after the last transaction)")
    out.append(f"<h2>{tr('Parameters')}</h2><p>" + tr(
        "--param: {params}; --cutoff: {cutoff}. Dates of the shipped data in the chapters' defaults were moved by {days:,} "
        "days, so that they sit as far before the end of your data as they sat before the end of the shipped data (see the "
        "parameters injected into each chapter); a chapter whose dates did not fit in your data had its calendar scaled "
        "(dates and durations), as noted above. --param values are never scaled.").format(
            params=params, cutoff=cutoff, days=run["date_shift_days"]) + "</p>")
    out.append(f"<h2>{tr('Versions')}</h2><p>" + e(", ".join(f"{k} {v}" for k, v in run["versions"].items())) + "</p>")
    math = {MATH_OFFLINE: tr("Math in the chapter pages renders offline (MathJax 3 copied into static/)."),
            MATH_CDN: tr("Math in the chapter pages loads MathJax from a CDN (needs the network); text, tables and figures "
                         "do not.")}
    out.append(f"<p>{e(math.get(run['math_note'], run['math_note']))} " + tr("Machine-readable: {link}.").format(
        link="<a href='run.json'>run.json</a>") + "</p></body></html>")
    return "\n".join(out)
