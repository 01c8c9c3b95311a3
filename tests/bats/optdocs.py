"""optdocs: every option a daemon's --help lists is in its man page.

usage: optdocs.py PAGE NEXT MIN < HELP
  PAGE  the man page (mdoc), rendered with mandoc -Tascii
  NEXT  the section after the Options subsection ("ROUTING")
  MIN   the least number of options --help must list

Reads the --help text on stdin.  Prints one line per problem: an option
not in the page's Options list, one whose "(default X)" has no
"Default:" in its item, or whose one-word default is not stated there.
Prints nothing when all is well.
"""
import re
import subprocess
import sys

path, nxt, least = sys.argv[1], sys.argv[2], int(sys.argv[3])
name = path.rsplit("/", 1)[-1]
help = sys.stdin.read()
page = subprocess.run(["mandoc", "-Tascii", path],
                      capture_output=True, text=True, check=True).stdout
page = re.sub(r'.\x08', '', page)
# The items of the Options list: a tag line at 5 spaces, text deeper.
opts = page[page.index("\n   Options\n"):page.index("\n%s\n" % nxt)]
items, cur = {}, None
for line in opts.splitlines():
    m = re.match(r'     (-\S+)', line)
    if m:
        cur = m.group(1).rstrip(',')
        items[cur] = line
    elif cur is not None:
        items[cur] += " " + line
items = {k: " ".join(v.split()) for k, v in items.items()}
# The option lines of --help, continuation lines joined.
entries = []
for line in help[help.index("options:"):].splitlines()[1:]:
    if re.match(r'  -', line):
        entries.append(line.strip())
    elif entries:
        entries[-1] += " " + line.strip()
for e in entries:
    flag = e.split()[0]
    if flag not in items:
        print("option %s not in the Options of %s" % (flag, name))
        continue
    m = re.search(r'\(default:? ([^)]*)\)', e)
    if not m:
        continue
    if "Default:" not in items[flag]:
        print("option %s: no Default: in %s" % (flag, name))
    d = m.group(1)
    # A single word default (30s, off, text) is stated as it is.
    if " " not in d and "Default: %s" % d not in items[flag]:
        print("option %s: default %s not in %s" % (flag, d, name))
if len(entries) < least:
    print("only %d options found in --help" % len(entries))
