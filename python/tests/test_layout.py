"""The structures ctypes declares (snig/_lib.py) have the C layout of
include/snig.h: a C program prints every size and offset, compared here."""
import ctypes
import os
import re
import shutil
import subprocess

import pytest

from snig import _lib
from conftest import SRC

STRUCTS = {"snig_load_options": _lib.LoadOptions, "snig_layer_desc": _lib.LayerDesc,
           "snig_layer_info": _lib.LayerInfo, "snig_options": _lib.Options}


def test_structures_match_the_header(tmp_path):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    lines = ["#include <snig.h>", "#include <stddef.h>", "#include <stdio.h>",
             "int main(void) {"]
    for cname, py in STRUCTS.items():
        lines.append(f'printf("{cname} size %zu\\n", sizeof({cname}));')
        for field, _ in py._fields_:
            lines.append(f'printf("{cname} {field} %zu\\n", offsetof({cname}, {field}));')
    lines += ["return 0;", "}"]
    (tmp_path / "layout.c").write_text("\n".join(lines))
    subprocess.run([cc, "-I", str(SRC / "include"), "layout.c", "-o", "layout"],
                   cwd=tmp_path, check=True)
    out = subprocess.run([str(tmp_path / "layout")], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    want = {}
    for cname, py in STRUCTS.items():
        want[f"{cname} size"] = ctypes.sizeof(py)
        for field, _ in py._fields_:
            want[f"{cname} {field}"] = getattr(py, field).offset
    got = {line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1]) for line in out if line}
    assert got == want


def test_constants_match_the_header():
    header = (SRC / "include" / "snig.h").read_text()
    for text in ("SNIG_ACT_RELU_CAP = 0", "SNIG_ACT_RELU = 1", "SNIG_ACT_IDENTITY = 2",
                 "SNIG_BIAS_NONZERO = 0", "SNIG_BIAS_DENSE = 1",
                 "#define SNIG_COPY 0u", "#define SNIG_BORROW 1u"):
        assert text in header
    names = [_lib.lib.snig_status_str(i).decode() for i in range(len(_lib.STATUS_NAMES))]
    assert names[0] == "success" and names[-1] == "internal error"
    assert re.findall(r"^\s+X\((\w+),", header, re.M) == _lib.STATUS_NAMES
