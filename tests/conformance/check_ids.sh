#!/usr/bin/env bash
# Keeps the conformance bookkeeping honest against the shared RFC checklist.
#
#   check_ids.sh SOURCE_ROOT            the check (meson test conformance-ids)
#   check_ids.sh SOURCE_ROOT --totals   prints the totals block of tests/CONFORMANCE.md
#
# The checklist is SOURCE_ROOT/../shared/rfc-checklist.md (beside the repository); without it
# the test is skipped (exit 77). Its IDs are the first cells of its table rows (GEN-6, CK-3a,
# L2-10 ...). The check fails (exit 1), listing each offender, when
#   - an ID cited by a `covers` comment anywhere under tests/ is not in the checklist
#     (continuation lines of the comment and ranges like RX-1..RX-6 count);
#   - tests/CONFORMANCE.md has no row for a checklist ID, a row for an unknown ID, or a row
#     whose status is not one of its status words;
#   - the totals block of tests/CONFORMANCE.md differs from the totals of its rows.
# Fewer than 100 checklist IDs means the extraction broke: exit 2.
set -euo pipefail
export LC_ALL=C

root=${1:?usage: check_ids.sh SOURCE_ROOT [--totals]}
mode=${2:-check}
checklist=$root/../shared/rfc-checklist.md
doc=$root/tests/CONFORMANCE.md
[[ -r $checklist ]] || { echo "SKIP: no checklist at $checklist"; exit 77; }
[[ -r $doc ]] || { echo "FAIL: $doc is missing"; exit 1; }

ID_RE='[A-Z][A-Z0-9]*-[0-9]+[a-z]?'

# table_ids FILE: the ID in the first cell of each table row, one per line.
table_ids() {
  awk -F'|' -v re="^$ID_RE\$" '/^[[:space:]]*\|/ {
      c = $2; gsub(/^[[:space:]]+|[[:space:]]+$/, "", c)
      if (c ~ re) print c
    }' "$1"
}

# covered_ids FILE...: "file:line: ID" for every ID cited by a covers comment. A comment line
# right after it continues it when its text starts with an ID or is indented (2+ spaces).
covered_ids() {
  awk -v idre="$ID_RE" '
    function emit(text,   tok, pre, lo, hi, p, n) {
      while (match(text, idre)) {
        tok = substr(text, RSTART, RLENGTH)
        pre = RSTART > 1 ? substr(text, RSTART - 1, 1) : " "
        text = substr(text, RSTART + RLENGTH)
        if (pre ~ /[A-Za-z0-9_.-]/ || text ~ /^[A-Za-z0-9_]/) continue
        print FILENAME ":" FNR ": " tok
        # A range FOO-1..FOO-5 or FOO-1...FOO-5 (ASCII or U+2026): the IDs between too.
        if (match(text, /^(\.\.\.?|\342\200\246)/)) {
          n = substr(text, RLENGTH + 1)
          p = tok; sub(/-[0-9]+[a-z]?$/, "-", p)
          if (index(n, p) == 1 && match(substr(n, length(p) + 1), /^[0-9]+/)) {
            lo = substr(tok, length(p) + 1) + 0
            hi = substr(n, length(p) + 1, RLENGTH) + 0
            for (i = lo + 1; i <= hi; i++) print FILENAME ":" FNR ": " p i
            text = substr(n, length(p) + RLENGTH + 1)
          }
        }
      }
    }
    FNR == 1 { cont = 0 }
    {
      if (cont) {
        cont = 0
        if (match($0, /^[[:space:]]*(\/\/|#)/)) {
          rest = substr($0, RLENGTH + 1)
          if (rest ~ /^[[:space:]][[:space:]]/ || rest ~ ("^[[:space:]]*" idre)) {
            emit(rest); cont = 1; next
          }
        }
      }
      i = index($0, "covers:")
      if (i) { emit(substr($0, i + 7)); cont = 1 }
    }' "$@"
}

# The status words of CONFORMANCE.md, and how the totals count them.
status_class() {
  case $1 in
    "met (code only"*) echo untested ;;
    met*) echo met ;;
    deviates*) echo deviates ;;
    "not yet"*) echo notyet ;;
    "not offered (MAY)"*) echo na ;;
    "not offered"*) echo offered ;;  # counts as not yet
    n/a*) echo na ;;
    *) echo bad ;;
  esac
}

# doc_rows: "ID<TAB>level<TAB>status" for each table row of CONFORMANCE.md with an ID.
doc_rows() {
  awk -F'|' -v re="^$ID_RE\$" '/^[[:space:]]*\|/ {
      for (i = 2; i <= 5; i++) gsub(/^[[:space:]]+|[[:space:]]+$/, "", $i)
      if ($2 ~ re) print $2 "\t" $4 "\t" $5
    }' "$doc"
}

totals_block() {
  local id level status class
  local -A all=() must=()
  while IFS=$'\t' read -r id level status; do
    class=$(status_class "$status")
    all[$class]=$((${all[$class]:-0} + 1))
    all[rows]=$((${all[rows]:-0} + 1))
    if [[ $level == *MUST* || $level == *must* ]]; then
      must[$class]=$((${must[$class]:-0} + 1))
      must[rows]=$((${must[rows]:-0} + 1))
    fi
  done < <(doc_rows)
  line() {  # line LABEL ARRAY-NAME
    local -n a=$2
    local ny=$((${a[notyet]:-0} + ${a[offered]:-0}))
    printf '| %s | %d | %d | %d | %d (%d not offered) | %d | %d |\n' "$1" "${a[met]:-0}" \
      "${a[untested]:-0}" "${a[deviates]:-0}" "$ny" "${a[offered]:-0}" "${a[na]:-0}" "${a[rows]:-0}"
  }
  echo '| rows | met | met, untested | deviates | not yet | n/a | total |'
  echo '|---|---|---|---|---|---|---|'
  line "all" all
  line "MUST-level (MUST, MUST NOT, must*)" must
}

if [[ $mode == --totals ]]; then
  totals_block
  exit 0
fi

mapfile -t known < <(table_ids "$checklist" | sort -u)
if ((${#known[@]} < 100)); then
  echo "FAIL: only ${#known[@]} IDs extracted from $checklist (expected 100 or more): extraction broke"
  exit 2
fi
declare -A is_known=()
for id in "${known[@]}"; do is_known[$id]=1; done
failed=0

mapfile -t files < <(grep -rIl --exclude-dir=conformance --exclude-dir=corpus \
  --exclude=CONFORMANCE.md 'covers:' "$root/tests" | sort)
cited=0
if ((${#files[@]} > 0)); then
  while IFS= read -r hit; do
    cited=$((cited + 1))
    id=${hit##*: }
    if [[ -z ${is_known[$id]:-} ]]; then
      echo "FAIL: ${hit#"$root"/} is not an ID of the checklist"
      failed=1
    fi
  done < <(covered_ids "${files[@]}")
fi

declare -A has_row=()
while IFS=$'\t' read -r id level status; do
  has_row[$id]=1
  if [[ -z ${is_known[$id]:-} ]]; then
    echo "FAIL: tests/CONFORMANCE.md has a row for $id, which the checklist does not have"
    failed=1
  fi
  if [[ $(status_class "$status") == bad ]]; then
    echo "FAIL: tests/CONFORMANCE.md row $id: status '$status' is not a status word"
    failed=1
  fi
done < <(doc_rows)
for id in "${known[@]}"; do
  if [[ -z ${has_row[$id]:-} ]]; then
    echo "FAIL: tests/CONFORMANCE.md has no row for $id"
    failed=1
  fi
done

expected=$(totals_block)
actual=$(awk '/<!-- totals -->/ {on = 1; next} /<!-- \/totals -->/ {on = 0} on' "$doc")
if [[ $expected != "$actual" ]]; then
  echo "FAIL: the totals block of tests/CONFORMANCE.md is stale; it should read:"
  echo "$expected"
  failed=1
fi

if ((failed)); then exit 1; fi
echo "ok: ${#known[@]} checklist IDs, each with a row in tests/CONFORMANCE.md;" \
  "$cited covers citations in ${#files[@]} files, all known"
