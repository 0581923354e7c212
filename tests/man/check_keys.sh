#!/usr/bin/env bash
# Checks that man/floatd.conf.5 documents every config section and key, and no other.
#
# Usage: check_keys.sh SOURCE_DIR
#
# Sections come from the kKinds table in src/config/build.cpp:
#     {Kind::kInstance, "instance", "vrrp_instance"},
# Keys come from the key tables in src/config/*.cpp, one array per section kind, named
# k<Kind>Keys (kGlobalKeys -> global, kTrackFileKeys -> track_file), entries
#     {"virtual_ipaddress", Repeat::kList, add_vip},
#
# In the man page, each section kind has a subsection `.SS "[KIND ...]"` and each key of that
# kind is a tagged paragraph within it: a `.TP` line followed by `.B KEY ...`. Every such
# entry in a section subsection must be a real key of that section.
#
# The extraction fails loudly (exit 2) when the tables do not look as expected: fewer than 20
# keys, fewer than 3 sections, a key entry outside a recognised table, or a table whose kind
# is not a section. A changed table format cannot pass silently.
set -euo pipefail

die() { echo "check_keys: $*" >&2; exit 2; }

[[ $# -eq 1 ]] || die "usage: check_keys.sh SOURCE_DIR"
src=$1
config_dir=$src/src/config
kinds_file=$config_dir/build.cpp
page=$src/man/floatd.conf.5
[[ -f $kinds_file ]] || die "$kinds_file not found"
[[ -f $page ]] || die "$page not found"
shopt -s nullglob
sources=("$config_dir"/*.cpp)
(( ${#sources[@]} > 0 )) || die "no sources in $config_dir"

# --- sections: "kind" per line
mapfile -t sections < <(
  grep -oE '\{[[:space:]]*Kind::k[A-Za-z]+,[[:space:]]*"[a-z_]+"' "$kinds_file" |
    sed -E 's/.*"([a-z_]+)"$/\1/' | sort -u)
(( ${#sections[@]} >= 3 )) ||
  die "found ${#sections[@]} section kind(s) in $kinds_file (expected {Kind::kX, \"x\", ...} rows)"

# --- keys: "kind key" per line. A table opens at `k<Kind>Keys{{` (after the array type) and
# closes at the first line holding `}};`; CamelCase kind -> snake_case.
keys_text=$(
  awk '
    match($0, /k[A-Z][A-Za-z]*Keys[[:space:]]*\{\{/) {
      name = substr($0, RSTART + 1, RLENGTH - 1)
      sub(/Keys.*/, "", name)
      gsub(/[A-Z]/, "_&", name)
      kind = tolower(substr(name, 2))
      table = 1
    }
    table {
      line = $0
      found = 0
      while (match(line, /\{[[:space:]]*"[^"]+",[[:space:]]*Repeat::k/)) {
        entry = substr(line, RSTART, RLENGTH)
        sub(/^\{[[:space:]]*"/, "", entry)
        sub(/".*/, "", entry)
        print kind " " entry
        found = 1
        line = substr(line, RSTART + RLENGTH)
      }
      if (!found && $0 ~ /\{[[:space:]]*"/) {
        printf "%s:%d: unrecognised key table entry: %s\n", FILENAME, FNR, $0 > "/dev/stderr"
        bad = 1
      }
      if ($0 ~ /\}\};/) table = 0
    }
    END { exit bad }
  ' "${sources[@]}"
) || die "cannot read the key tables in $config_dir/*.cpp: has their format changed?"
mapfile -t keys < <(sort -u <<<"$keys_text" | sed '/^$/d')
(( ${#keys[@]} >= 20 )) ||
  die "extracted ${#keys[@]} key(s) from $config_dir/*.cpp, expected at least 20: has the key table format changed?"

# Every entry that looks like a key must have been attributed to a table.
all_entries=$(cat "${sources[@]}" | grep -oE '\{[[:space:]]*"[^"]+",[[:space:]]*Repeat::k' | wc -l)
(( all_entries == ${#keys[@]} )) ||
  die "$all_entries key entries in $config_dir/*.cpp but ${#keys[@]} inside recognised k<Kind>Keys tables"

for entry in "${keys[@]}"; do
  kind=${entry%% *}
  # (a here-string, not a pipe: with pipefail, grep -q closing early fails printf's write)
  grep -qx -- "$kind" <<<"$(printf '%s\n' "${sections[@]}")" ||
    die "key table for \"$kind\" ($entry) is not a section kind (${sections[*]})"
done
for kind in "${sections[@]}"; do
  grep -q "^$kind " <<<"$(printf '%s\n' "${keys[@]}")" || die "no key table found for section \"$kind\""
done

# --- the man page: "kind" for each `.SS "[kind ...]"`, "kind key" for each .TP/.B entry.
mapfile -t page_sections < <(
  sed -nE 's/^\.SS[[:space:]]+"?\[([a-z_]+)[] ].*/\1/p' "$page" | sort -u)
page_keys_text=$(
  awk '
    /^\.SS/ {
      kind = ""
      if (match($0, /^\.SS[[:space:]]+"?\[[a-z_]+/)) {
        kind = substr($0, RSTART, RLENGTH)
        sub(/.*\[/, "", kind)
      }
      next
    }
    /^\.SH/ { kind = ""; next }
    /^\.TP/ { tagged = 1; next }
    tagged {
      tagged = 0
      if (kind != "" && match($0, /^\.B[[:space:]]+[A-Za-z0-9_]+/)) {
        key = substr($0, RSTART, RLENGTH)
        sub(/^\.B[[:space:]]+/, "", key)
        print kind " " key
      } else if (kind != "") {
        printf "%s: .TP in [%s] not followed by \".B KEY\": %s\n", FILENAME, kind, $0 > "/dev/stderr"
        bad = 1
      }
    }
    END { exit bad }
  ' "$page"
) || die "malformed key entries in $page"
mapfile -t page_keys < <(sort -u <<<"$page_keys_text" | sed '/^$/d')

fail=0
missing_sections=$(comm -23 <(printf '%s\n' "${sections[@]}") <(printf '%s\n' "${page_sections[@]}"))
if [[ -n $missing_sections ]]; then
  echo "sections not documented in man/floatd.conf.5 (as .SS \"[KIND ...]\"):"
  sed 's/^/  /' <<<"$missing_sections"
  fail=1
fi
missing_keys=$(comm -23 <(printf '%s\n' "${keys[@]}") <(printf '%s\n' "${page_keys[@]}"))
if [[ -n $missing_keys ]]; then
  echo "keys not documented in man/floatd.conf.5 (as .TP then .B KEY under their section):"
  sed -E 's/^([a-z_]+) (.*)/  [\1] \2/' <<<"$missing_keys"
  fail=1
fi
stale_keys=$(comm -13 <(printf '%s\n' "${keys[@]}") <(printf '%s\n' "${page_keys[@]}"))
if [[ -n $stale_keys ]]; then
  echo "documented in man/floatd.conf.5 but not keys of that section in src/config:"
  sed -E 's/^([a-z_]+) (.*)/  [\1] \2/' <<<"$stale_keys"
  fail=1
fi
(( fail == 0 )) || exit 1
echo "man/floatd.conf.5 documents all ${#sections[@]} sections and ${#keys[@]} keys"
