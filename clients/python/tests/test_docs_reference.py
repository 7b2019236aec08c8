"""docs/python-client.md lists every public parameter with its default: this test reads the page and
compares each documented signature and each parameter table with the code (inspect.signature), so a
parameter added, removed or given another default fails here until the page says so."""

import ast
import inspect
import re
from pathlib import Path

import pytest

from goldilocks_client import GoldilocksClient
from goldilocks_client import verl as gverl

DOC = Path(__file__).resolve().parents[3] / "docs" / "python-client.md"

_NO_DEFAULT = object()


def _sections(text):
    """Heading -> body, for the ## and ### headings of the page."""
    out, name, lines = {}, None, []
    for line in text.splitlines():
        m = re.match(r"^#{2,3} (.*)$", line)
        if m:
            if name is not None:
                out[name] = "\n".join(lines)
            name, lines = m.group(1).strip(), []
        elif name is not None:
            lines.append(line)
    if name is not None:
        out[name] = "\n".join(lines)
    return out


def _signature_params(call):
    """Parameters of a call written as code, e.g. ``f(a, b=1, *args, c, **kw)``: name -> default."""
    node = ast.parse("def _" + call[call.index("("):] + ": pass").body[0].args
    out = {}
    positional = node.posonlyargs + node.args
    defaults = [_NO_DEFAULT] * (len(positional) - len(node.defaults)) + [ast.literal_eval(d) for d in node.defaults]
    for a, d in zip(positional, defaults):
        out[a.arg] = d
    for a, d in zip(node.kwonlyargs, node.kw_defaults):
        out[a.arg] = _NO_DEFAULT if d is None else ast.literal_eval(d)
    if node.vararg:
        out["*" + node.vararg.arg] = _NO_DEFAULT
    if node.kwarg:
        out["**" + node.kwarg.arg] = _NO_DEFAULT
    return out


def _code_params(fn):
    out = {}
    for p in inspect.signature(fn).parameters.values():
        if p.name == "self":
            continue
        if p.kind is p.VAR_POSITIONAL:
            out["*" + p.name] = _NO_DEFAULT
        elif p.kind is p.VAR_KEYWORD:
            out["**" + p.name] = _NO_DEFAULT
        else:
            out[p.name] = _NO_DEFAULT if p.default is inspect.Parameter.empty else p.default
    return out


def _table_defaults(body):
    """Rows ``| `name` | default | meaning |`` of a parameter table: name -> default."""
    out = {}
    for line in body.splitlines():
        m = re.match(r"^\| `([a-z_]+)` \| ([^|]+) \|", line)
        if not m:
            continue
        cell = m.group(2).strip()
        if cell.startswith("(required"):
            out[m.group(1)] = _NO_DEFAULT
        else:
            try:
                out[m.group(1)] = ast.literal_eval(cell.strip("`"))
            except (ValueError, SyntaxError):
                out[m.group(1)] = cell  # prose default (e.g. verl's config keys): not compared
    return out


@pytest.fixture(scope="module")
def sections():
    return _sections(DOC.read_text(encoding="utf-8"))


def test_the_client_signature_and_table_match_the_code(sections):
    body = sections["`goldilocks_client.GoldilocksClient`"]
    block = re.search(r"```python\n(.*?)```", body, re.S).group(1)
    code = _code_params(GoldilocksClient.__init__)
    assert _signature_params(" ".join(block.split())) == code
    table = {k: v for k, v in _table_defaults(body).items() if k in code}
    assert table == code, "the parameter table of GoldilocksClient differs from the code"


def test_the_trl_signatures_and_tables_match_the_code(sections):
    trl = pytest.importorskip("goldilocks_client.trl")
    checked = 0
    for heading, body in sections.items():
        m = re.match(r"^`((GoldilocksGRPOTrainer|goldilocks_reward)\(.*\))`$", heading)
        if not m:
            continue
        fn = getattr(trl, m.group(2))
        code = _code_params(fn.__init__ if inspect.isclass(fn) else fn)
        assert _signature_params(m.group(1)) == code, heading
        table = _table_defaults(body)
        assert table and all(code[k] == v for k, v in table.items()), f"{heading}: {table} against {code}"
        checked += 1
    assert checked == 2


def test_the_verl_signatures_match_the_code(sections):
    checked = 0
    for heading in sections:
        m = re.match(r"^`((GoldilocksDataset|GoldilocksCurriculumSampler)\(.*\))`$", heading)
        if m:
            assert _signature_params(m.group(1)) == _code_params(getattr(gverl, m.group(2)).__init__), heading
            checked += 1
    assert checked == 2


def test_the_parser_sees_a_changed_default():
    # the comparison can fail: a default written differently is a different parameter set
    assert _signature_params("f(a, b=1)") != _signature_params("f(a, b=2)")
    assert _table_defaults("| `b` | 2 | x |") == {"b": 2}
    assert _table_defaults("| `b` | (required) | x |") == {"b": _NO_DEFAULT}
