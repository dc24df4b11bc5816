"""What the lessons' tests assert about a check's verdict: ``accepted(capsys, check, *answers)`` and its kin.

Each lesson's tests run its checks on the real data and models: a check accepts the solution's answer, rejects a
realistic wrong answer with its specific message, and answers an untouched template with "not answered yet"
(never raising).
"""


def verdict(capsys, check, *args, **kwargs):
    """Run a check; return what it returned and the line it printed (which must name its exercise)."""
    result = check(*args, **kwargs)
    printed = capsys.readouterr().out
    assert printed.startswith(f"Exercise {check.exercise} ("), printed
    return result, printed


def accepted(capsys, check, *args, **kwargs):
    """The check says "right" to these answers; returns what it printed."""
    result, printed = verdict(capsys, check, *args, **kwargs)
    assert result is True and "): right." in printed, printed
    return printed


def rejected(capsys, message, check, *args, **kwargs):
    """The check says "not yet" to these answers, with ``message`` in its feedback; returns what it printed."""
    result, printed = verdict(capsys, check, *args, **kwargs)
    assert result is False and "): not yet." in printed and message in printed, printed
    return printed


def unanswered(capsys, check, *args, **kwargs):
    """The check says "not answered yet" to these answers."""
    result, printed = verdict(capsys, check, *args, **kwargs)
    assert result is False and "not answered yet" in printed, printed
