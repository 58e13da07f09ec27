"""Shared helpers for module tests: set module args the ansible-core 2.21 way, catch exits."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class AnsibleExitJson(Exception):
    """Raised in place of AnsibleModule.exit_json; carries the module result."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result)
        self.result = result


class AnsibleFailJson(Exception):
    """Raised in place of AnsibleModule.fail_json; carries the failure result."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result)
        self.result = result


def _exit_json(self: basic.AnsibleModule, **kwargs: Any) -> None:
    kwargs.setdefault("changed", False)
    raise AnsibleExitJson(kwargs)


def _fail_json(self: basic.AnsibleModule, **kwargs: Any) -> None:
    kwargs["failed"] = True
    raise AnsibleFailJson(kwargs)


@pytest.fixture
def module_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make exit_json/fail_json raise AnsibleExitJson/AnsibleFailJson for this test only."""
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)


@pytest.fixture
def set_module_args(module_exits: None) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Return a setter for the next AnsibleModule's args; undone when the test ends."""
    with contextlib.ExitStack() as stack:

        def _set(args: dict[str, Any]) -> None:
            stack.enter_context(patch_module_args(args))

        yield _set


def _runner(expected: type[Exception]) -> Callable[[Callable[[], object]], dict[str, Any]]:
    """Return a runner that calls main() and returns the result of the expected exit."""

    def _run(main: Callable[[], object]) -> dict[str, Any]:
        with pytest.raises((AnsibleExitJson, AnsibleFailJson)) as info:
            main()
        assert isinstance(info.value, expected), info.value.result
        return info.value.result

    return _run


@pytest.fixture
def exit_result(module_exits: None) -> Callable[[Callable[[], object]], dict[str, Any]]:
    """Run a module's main() and return what it passed to exit_json (fail_json fails the test)."""
    return _runner(AnsibleExitJson)


@pytest.fixture
def fail_result(module_exits: None) -> Callable[[Callable[[], object]], dict[str, Any]]:
    """Run a module's main() and return what it passed to fail_json (exit_json fails the test)."""
    return _runner(AnsibleFailJson)
