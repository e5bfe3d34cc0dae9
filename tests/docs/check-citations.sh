#!/bin/sh
# Every document the repository cites must exist in the repository, and every
# "§N" must name a numbered heading (or a numbered list item under one) of the
# document it refers to. A quoted title after a citation must start a heading
# of that document. Run from anywhere: tests/docs/check-citations.sh [repo]
# Exit 0 when every citation resolves; 1 otherwise. Ambiguous cases (a bare §
# in a file whose header also cites an outside specification, or a § in a file
# that cites no document) are warnings.
set -eu
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
exec python3 - "$root" <<'PY'
import os, re, subprocess, sys

root = sys.argv[1]
os.chdir(root)

def repo_files():
    try:
        out = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout
        files = out.split("\n")
    except Exception:
        files = []
        for d, dirs, names in os.walk("."):
            dirs[:] = [x for x in dirs if x not in (".git", "build")]
            files += [os.path.relpath(os.path.join(d, n)) for n in names]
    return [f for f in files if f and not f.startswith("build/") and os.path.isfile(f)]

def read_text(path):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", "replace")

files = repo_files()
md_files = {f for f in files if f.endswith(".md")}

# ---- headings of a document: numbers, numbered list items, titles ---------
HEAD = re.compile(r"^(#+)\s+(.*?)\s*$")
NUM = re.compile(r"^(\d+(?:\.\d+)*)\.?(?:\s+|$)(.*)$")
ITEM = re.compile(r"^\s{0,3}(\d+)\.\s")
doc_cache = {}

def norm(s):
    s = s.replace("`", "").replace("*", "")
    return re.sub(r"\s+", " ", s).strip().lower()

def doc_info(path):
    if path in doc_cache:
        return doc_cache[path]
    nums, titles, section = set(), [], None
    text = read_text(path) or ""
    in_code = False
    for line in text.split("\n"):
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        m = HEAD.match(line)
        if m:
            title = m.group(2)
            n = NUM.match(title)
            if n:
                section = n.group(1)
                nums.add(section)
                title = n.group(2)
            titles.append(norm(title))
            continue
        m = ITEM.match(line)
        if m and section is not None:
            nums.add(section + "." + m.group(1))
    doc_cache[path] = (nums, titles)
    return doc_cache[path]

# ---- scanning ----------------------------------------------------------------
MDREF = re.compile(r"(?<![\w.\-/])((?:\.{1,2}/)*[\w./\-]*?[\w\-]+\.md)(?![\w])")
SECT = re.compile(r"§\s?(\d+(?:\.\d+)*)")
EXTERNAL = re.compile(r"\b(spec|specification|UEFI|ACPI|SDM|TLFS|SPC|SBC|SAM|NVMe|RFC|FIPS|PCI|PCIe|ISO|C11|C99|POSIX|Intel|AMD|manual|standard)\b", re.I)
JOINER = re.compile(r"^[\s,;:/()\-–*#]*(?:(?:and|or|to|also)[\s,;:/()\-–*#]*)*$")
URL = re.compile(r"\w+://\S+")
LEADER = re.compile(r"\n[ \t]*(?:\*|#|//|--|;)?[ \t]*")

errors, warnings = [], []
stats = {"files": 0, "docs": 0, "sections": 0, "titles": 0, "unattributed": 0, "ambiguous": 0}

def resolve(ref, src):
    for cand in (os.path.normpath(ref), os.path.normpath(os.path.join(os.path.dirname(src), ref))):
        if cand in md_files:
            return cand
    return None

for path in files:
    text = read_text(path)
    if text is None or ("§" not in text and ".md" not in text):
        continue
    stats["files"] += 1
    masked = URL.sub(lambda m: " " * len(m.group(0)), text)
    refs = []          # (start, end, resolved doc)
    for m in MDREF.finditer(masked):
        ref = m.group(1)
        doc = resolve(ref, path)
        line = masked.count("\n", 0, m.start()) + 1
        stats["docs"] += 1
        if doc is None:
            errors.append(f"{path}:{line}: cites {ref}, which is not in the repository")
        refs.append((m.start(), m.end(), doc))
        # a quoted title right after the citation (may continue on the next comment line)
        if doc is not None:
            q = re.match(r"[ \t]*(?:\n[ \t]*(?:\*|#|//)?[ \t]*)?\"([^\"]{1,160})\"", masked[m.end():])
            if q:
                want = norm(LEADER.sub(" ", q.group(1)))
                stats["titles"] += 1
                if not any(t.startswith(want) for t in doc_info(doc)[1]):
                    errors.append(f"{path}:{line}: {ref} has no heading starting \"{q.group(1).strip()}\"")
    header_end = len(text) if len(text) < 2500 else text.find("\n", 2500)
    header_docs = [d for s, e, d in refs if d and s < header_end and doc_info(d)[0]]
    header_external = any(EXTERNAL.search(text[max(0, s.start() - 40):s.start()])
                          for s in SECT.finditer(text[:header_end]))
    prev = None        # (end offset of the previous §, its attribution)
    for m in SECT.finditer(masked):
        num = m.group(1)
        line_start = masked.rfind("\n", 0, m.start()) + 1
        line = masked.count("\n", 0, m.start()) + 1
        before = masked[line_start:m.start()]
        same_line = [r for r in refs if line_start <= r[0] < m.start()]
        attrib = None
        if prev is not None and JOINER.match(masked[prev[0]:m.start()]) and "\n\n" not in masked[prev[0]:m.start()]:
            attrib = prev[1]                              # a range or list: "4.1-4.5", "2, 3"
        elif same_line:
            last = same_line[-1]
            between = masked[last[1]:m.start()]
            attrib = ("external",) if EXTERNAL.search(between) else ("doc", last[2])
        elif EXTERNAL.search(before):
            attrib = ("external",)
        else:
            above = [r for r in refs if r[0] < m.start() and r[2] and doc_info(r[2])[0]]
            cands = []
            if path.endswith(".md") and doc_info(path)[0]:
                cands.append(path)                        # a document's own sections
            else:
                cands += [d for d in header_docs if d not in cands]   # named in the header
                if above and above[-1][2] not in cands:
                    cands.append(above[-1][2])            # or the nearest one above
            attrib = ("bare", tuple(cands))
        prev = (m.end(), attrib)
        if attrib[0] == "external":
            continue
        stats["sections"] += 1
        if attrib[0] == "doc":
            doc = attrib[1]
            if doc is None:
                continue                                  # already reported
            if num not in doc_info(doc)[0]:
                errors.append(f"{path}:{line}: §{num} is not a section of {doc}")
            continue
        cands = attrib[1]
        if not cands:
            stats["unattributed"] += 1
            warnings.append(f"{path}:{line}: §{num} names no document (cite one)")
            continue
        hits = [d for d in cands if num in doc_info(d)[0]]
        if len(hits) == 1 or (hits and hits[0] == cands[0] and len(set(cands)) == 1):
            continue
        if hits:
            stats["ambiguous"] += 1
            continue                                      # valid in more than one cited document
        elif header_external:
            warnings.append(f"{path}:{line}: bare §{num} is in none of {', '.join(cands)} (an outside specification?)")
        else:
            errors.append(f"{path}:{line}: bare §{num} is not a section of {' or '.join(cands)}")

for w in warnings:
    print("warning: " + w)
for e in errors:
    print("error: " + e)
print(f"check-citations: {stats['files']} files, {stats['docs']} document citations, "
      f"{stats['sections']} section citations ({stats['ambiguous']} bare ones valid in more than one cited document), "
      f"{stats['titles']} quoted titles; "
      f"{len(errors)} errors, {len(warnings)} warnings")
sys.exit(1 if errors else 0)
PY
