"""msgparts: the literal parts of the message formats in C sources.

usage: msgparts.py CALLS ARGS FILE...
  CALLS  a regex of the function names that print messages (warnx|errx)
  ARGS   a regex of one argument that may come before the format ("1")

Prints every literal piece between conversions that is long enough to
stand for its message (10 bytes, a 4-letter word), one a line, for the
docs tests to look up in a man page's DIAGNOSTICS.
"""
import re
import sys

calls, args = sys.argv[1], sys.argv[2]
call = re.compile(r'\b(?:' + calls + r')\s*\(\s*(?:(?:' + args +
                  r')\s*,\s*)*((?:"(?:[^"\\]|\\.)*"\s*)+)')
for path in sys.argv[3:]:
    src = open(path).read()
    for m in call.finditer(src):
        fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        fmt = fmt.replace('\\"', '"').replace('\\n', ' ')
        for part in re.split(r'%[-0-9.*]*(?:ll|l|z)?[sducfx]', fmt):
            part = part.replace('%%', '%').strip(' :;,-')
            if len(part) >= 10 and re.search(r'[a-z]{4}', part):
                print(part)
