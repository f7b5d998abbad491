"""`client_sdk.errors.SUBJECTS` lists every `TJError.subject` the SDK raises, and nothing
else: a static scan of client_sdk (NU53 F8: the subjects were listed only in an attribute
docstring, 17 of them missing, and an app comparing one could not know the whole list)."""

from __future__ import annotations

import ast
from pathlib import Path

import client_sdk
from client_sdk.errors import SUBJECTS
from tests.conftest import product_tree

SDK = Path(client_sdk.__file__).parent

PASSED_ON = {
    ("errors.py", "subject"),  # TJError.__init__ keeps the subject it is given
    ("transport.py", "subject"),  # error_words.subject_for's, scanned there
    ("account.py", "error.subject"),  # a wrong password re-raised as late keeps its subject
}
"""The only places a subject is set from a variable: each scanned where it comes from."""


def _modules() -> dict[str, ast.Module]:
    return {path.name: product_tree(path) for path in sorted(SDK.glob("*.py"))}


def _constants(tree: ast.Module) -> dict[str, str]:
    """A module's own string constants (NAME = "..."), by name."""
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _imported(tree: ast.Module) -> dict[str, tuple[str, str]]:
    """Names a module imports from another SDK module: name -> (module file, name there)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("client_sdk."):
            file = node.module.split(".", 1)[1] + ".py"  # type: ignore[union-attr]
            for alias in node.names:
                found[alias.asname or alias.name] = (file, alias.name)
    return found


class Scan:
    def __init__(self) -> None:
        self.trees = _modules()
        self.constants = {name: _constants(tree) for name, tree in self.trees.items()}
        self.imports = {name: _imported(tree) for name, tree in self.trees.items()}
        self.subjects: dict[str, set[str]] = {}
        self.unresolved: set[tuple[str, str]] = set()

    def values(self, node: ast.expr, module: str) -> list[str | None]:
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return self.values(node.body, module) + self.values(node.orelse, module)
        if isinstance(node, ast.Name):
            if node.id in self.constants[module]:
                return [self.constants[module][node.id]]
            source = self.imports[module].get(node.id)
            if source is not None and source[1] in self.constants.get(source[0], {}):
                return [self.constants[source[0]][source[1]]]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):  # account.NAME
            other = self.constants.get(f"{node.value.id}.py", {})
            if node.attr in other:
                return [other[node.attr]]
        self.unresolved.add((module, ast.unparse(node)))
        return []

    def add(self, node: ast.expr, module: str, line: int) -> None:
        for value in self.values(node, module):
            if value is not None:
                self.subjects.setdefault(value, set()).add(f"{module}:{line}")

    def run(self) -> None:
        for module, tree in self.trees.items():
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        if keyword.arg == "subject":
                            self.add(keyword.value, module, node.lineno)
                elif isinstance(node, ast.ClassDef):  # `subject = "..."` of an error class
                    for item in node.body:
                        if (
                            isinstance(item, (ast.Assign, ast.AnnAssign))
                            and item.value is not None
                            and any(
                                isinstance(t, ast.Name) and t.id == "subject"
                                for t in (
                                    item.targets if isinstance(item, ast.Assign) else [item.target]
                                )
                            )
                        ):
                            self.add(item.value, module, item.lineno)
                elif isinstance(node, ast.Assign):  # `error.subject = ...`
                    for target in node.targets:
                        if isinstance(target, ast.Attribute) and target.attr == "subject":
                            self.add(node.value, module, node.lineno)
        # error_words.subject_for: the subjects of the server's error codes
        words = self.trees["error_words.py"]
        for node in ast.walk(words):
            if isinstance(node, ast.FunctionDef) and node.name == "subject_for":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and isinstance(inner.value, ast.IfExp):
                        self.add(inner.value, "error_words.py", inner.lineno)
                    elif isinstance(inner, ast.Return) and isinstance(inner.value, ast.Name):
                        self.add(inner.value, "error_words.py", inner.lineno)
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id == "CODE_SUBJECTS"
                and isinstance(node.value, ast.Dict)
            ):
                for value in node.value.values:
                    self.add(value, "error_words.py", node.lineno)


def test_every_subject_the_sdk_raises_is_listed_and_every_listed_one_is_raised() -> None:
    scan = Scan()
    scan.run()
    unlisted = {s: sorted(at) for s, at in scan.subjects.items() if s not in SUBJECTS}
    assert unlisted == {}, f"add these to client_sdk.errors.SUBJECTS: {unlisted}"
    assert sorted(set(SUBJECTS) - set(scan.subjects)) == [], "listed, never raised"
    # a subject set from anything but a constant would escape the scan
    assert scan.unresolved == PASSED_ON, scan.unresolved
    assert len(SUBJECTS) > 50  # the scan found them (not an empty walk)


def test_each_subject_says_what_it_means_in_plain_words() -> None:
    for subject, meaning in SUBJECTS.items():
        assert subject == subject.strip() and subject, subject
        assert len(meaning) > 15, subject
        for review in ("NU", "REV-", "R4", "S13"):
            assert not any(word.startswith(review) for word in meaning.split()), (subject, meaning)


def test_every_invalid_input_the_sdk_raises_names_its_subject() -> None:
    """nu82 F4: 104 `InvalidInput(...)`s carried no subject, though README says a value
    refused as given is subject "value": an app branching on it missed them. Every call
    of InvalidInput in client_sdk gives `subject=` (its subclasses set their own)."""
    bare = [
        f"{module}:{node.lineno}"
        for module, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "InvalidInput"
        and not any(keyword.arg == "subject" for keyword in node.keywords)
    ]
    assert bare == []
    assert len(Scan().trees) > 50  # the scan read the SDK
