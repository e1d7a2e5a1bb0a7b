"""The layering docs/design.md states, checked against the code: every file
of shim/ is placed in a layer of the diagram ("The call path"), and no file
includes a header of a layer above its own.  Layers are numbered from the
top (1, the hooks) down; the files "beside them all" are below every layer
and include only each other."""

import re

BESIDE = 5  # "and beside them all": usable from every layer


def diagram_layers(repo_root) -> dict:
    """{module stem: layer} from the design's call-path diagram."""
    design = (repo_root / "docs" / "design.md").read_text()
    section = design.split("## The call path", 1)[1]
    block = section.split("```", 2)[1]
    layers, layer = {}, None
    for line in block.splitlines():
        numbered = re.match(r"^(\d)\.\s", line)
        if numbered:
            layer = int(numbered[1])
        elif line.strip().startswith("and beside"):
            layer = BESIDE
        for stem in re.findall(r"\b([a-z_]+)\.[ch]\b", line):
            assert stem not in layers, f"{stem} is placed twice in docs/design.md"
            layers[stem] = layer
    return layers


def includes(path) -> list:
    return re.findall(r'^#include "([a-z_]+)\.h"', path.read_text(), re.MULTILINE)


def test_every_file_has_a_layer(repo_root):
    layers = diagram_layers(repo_root)
    stems = {path.stem for path in (repo_root / "shim").glob("*.[ch]")}
    missing = sorted(stem for stem in stems if stem not in layers)
    assert not missing, f"shim/ files docs/design.md does not place in a layer: {missing}"
    gone = sorted(stem for stem in layers if stem not in stems)
    assert not gone, f"docs/design.md names files shim/ does not have: {gone}"


def test_no_file_includes_a_layer_above_its_own(repo_root):
    layers = diagram_layers(repo_root)
    upward = []
    for path in sorted((repo_root / "shim").glob("*.[ch]")):
        own = layers.get(path.stem)
        for header in includes(path):
            if header in layers and layers[header] < own:
                upward.append(f"{path.name} (layer {own}) includes {header}.h "
                              f"(layer {layers[header]})")
    assert not upward, "\n".join(upward)


def test_the_check_sees_an_upward_include(repo_root, tmp_path):
    """The check itself can fail: a layer-3 file that includes a hook's header."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "design.md").write_text(
        "## The call path\n\n```\n1. hooks   hooks.c\n3. credential  cache.c\n```\n")
    (tmp_path / "shim").mkdir()
    (tmp_path / "shim" / "hooks.c").write_text('#include "cache.h"\n')
    (tmp_path / "shim" / "cache.c").write_text('#include "hooks.h"\n')
    try:
        test_no_file_includes_a_layer_above_its_own(tmp_path)
    except AssertionError as failure:
        assert "cache.c (layer 3) includes hooks.h (layer 1)" in str(failure)
    else:
        raise AssertionError("an upward include passed the check")
