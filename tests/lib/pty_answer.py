#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs a command on a pseudo-terminal and answers its prompts, as a person would.

    pty_answer.py TRANSCRIPT PROMPT ANSWER... -- CMD [ARG...]

CMD gets a new pseudo-terminal as its controlling terminal (stdin, stdout,
stderr and /dev/tty). Each time its output shows PROMPT (a plain string),
the next ANSWER is typed followed by Enter; once the answers are used up,
a further prompt is left unanswered and CMD is stopped after a few
seconds. Everything CMD wrote goes to TRANSCRIPT. Exits with CMD's exit
status (128 + N when a signal ended it); the whole run is bounded (60 s).
"""
import os
import pty
import select
import signal
import sys
import time


def main():
    if len(sys.argv) < 5 or "--" not in sys.argv:
        sys.exit(__doc__)
    sep = sys.argv.index("--")
    transcript, prompt = sys.argv[1], sys.argv[2].encode()
    answers = [a.encode() + b"\n" for a in sys.argv[3:sep]]
    cmd = sys.argv[sep + 1:]

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)

    out, seen, deadline, idle_since, status = b"", 0, time.time() + 60, None, None
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the command closed the terminal (it ended)
                data = b""
            out += data
        prompts = out.count(prompt)
        if prompts > seen:
            seen = prompts
            if seen <= len(answers):
                time.sleep(0.1)  # the prompt turned echo off before it was written
                os.write(fd, answers[seen - 1])
            elif idle_since is None:
                idle_since = time.time()
        done, st = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            status = st
            break
        if idle_since is not None and time.time() - idle_since > 3:
            break
    if status is None:
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
    # What the command wrote just before it ended.
    try:
        while select.select([fd], [], [], 0.2)[0]:
            data = os.read(fd, 4096)
            if not data:
                break
            out += data
    except OSError:
        pass
    with open(transcript, "wb") as f:
        f.write(out)
    sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))

if __name__ == "__main__":
    main()
