#!/usr/bin/env bash
# Issue 13 item 9: the benchmarks of two (or more) commits side by side, in one run, on one PostgreSQL cluster.
#
#   bench/side-by-side.sh                              # c460411 (before the move) against HEAD
#   bench/side-by-side.sh 27d4b7a main                 # any two commits (or more: the first is "before")
#   bench/side-by-side.sh --measure "append" --rounds 5
#   bench/side-by-side.sh --help
#
# Each commit is checked out detached under --workdir (default /tmp/allmende-side-by-side/<sha>) and its own
# bench (bench/Allmende.Bench, and through it src/Host) built in Release. ONE cluster serves every run: a private
# durable one started here from the machine's binaries as the bench itself starts it (fsync on, initdb defaults,
# data in <repo>/.pgdata/side-by-side, deleted afterwards), or --connection. Each measurement then runs each
# commit's own verb with the same options, interleaved (round 1: before, after; round 2: before, after; ...) so
# that machine noise falls on both alike; `uptime` is recorded before and after every run. Every verb creates and
# drops its own database, and measures its own pgbench/COPY baseline in the same run: ratios compare, absolute
# rates on a shared 2-core machine do not.
#
# The verbs' Markdown is kept as it came (--out, one file per run) and summarised in one table per measurement
# (report.md in --out, also on stdout), ready for docs/benchmarks.md. Needs git, dotnet, python3 (the summary),
# pgbench, and for the private cluster initdb/pg_ctl of PostgreSQL >= 15.
set -euo pipefail

usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    cat <<'EOF'
Options:
  --measure "LIST"    measurements, in this order (default "append projections bookings"):
                        append       single-event appends at 1 and 32 writers vs pgbench (verb append)
                        projections  projection rebuild vs COPY, commit-to-handler latency at 200 commits/s (verb projections)
                        bookings     POST /api/bookings over HTTP vs a booking-shaped pgbench transaction (verb bookings)
                        messages     commit-to-handler latency alone (verb messages; absent before step 3, said so)
  --rounds N          rounds per measurement (default 3); --rounds-append N, --rounds-projections N, ... per measurement
  --append-args "..." extra options for every commit's verb (also --projections-args, --bookings-args, --messages-args)
  --connection CS     an existing server instead of the private cluster
  --workdir DIR       where the commits are checked out (default /tmp/allmende-side-by-side); the worktrees stay for
                      the next run (--no-build reuses their builds): `git worktree remove --force DIR/<sha>` ends one
  --out DIR           where the runs' Markdown and the report go (default <workdir>/runs-<UTC time>)
  --no-build          use the builds already in the workdir
  --nice N            nice value for the cluster and the verbs (default -5 as root, else 0)
  --statements        (private cluster only) load pg_stat_statements and keep each run's 100 most called statements
                      (<run>.statements.tsv: calls, ms, rows, query), to count round trips per unit of work
  --report DIR        only print the report of the runs kept in DIR (an earlier --out)
  --quiet-load X      before each run wait (at most --quiet-wait seconds, default 90) until the 1-minute load
                      average is below X (default 1.5)
EOF
}

argv=("$@")
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
commits=()
measures="append projections bookings"
rounds=3
declare -A rounds_of=() extra_of=()
connection=""
workdir=/tmp/allmende-side-by-side
out=""
build=1
if [[ $(id -u) == 0 ]]; then nice_value=-5; else nice_value=0; fi
quiet_load=1.5
quiet_wait=90
statements=0
report_only=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --measure) measures=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --rounds-*) rounds_of[${1#--rounds-}]=$2; shift 2 ;;
        --*-args) name=${1#--}; extra_of[${name%-args}]=$2; shift 2 ;;
        --connection) connection=$2; shift 2 ;;
        --workdir) workdir=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --statements) statements=1; shift ;;
        --report) report_only=$2; shift 2 ;;
        --nice) nice_value=$2; shift 2 ;;
        --quiet-load) quiet_load=$2; shift 2 ;;
        --quiet-wait) quiet_wait=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
        *) commits+=("$1"); shift ;;
    esac
done
report() {
python3 - "$1" <<'PY'
import os, re, statistics, sys

out = sys.argv[1]
run = dict(l.rstrip("\n").split("\t", 1) for l in open(os.path.join(out, "run.tsv")))
commits = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "commits.tsv"))]
labels = [c[0] for c in commits]

def num(s):
    s = s.replace("*", "").replace(",", "").replace("/s", "").strip()
    m = re.match(r"^-?[0-9.]+", s)
    return float(m.group(0)) if m else None

def rows(text):
    """Every Markdown table row, as a list of stripped cells, with the header of its table."""
    header = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not all(re.fullmatch(r":?-+:?", c) for c in cells):
            yield header, cells

def runs(measure):
    """(round, label, markdown, meta) of every run of a measurement, in run order."""
    d = os.path.join(out, measure)
    if not os.path.isdir(d):
        return []
    found = []
    for f in os.listdir(d):
        m = re.fullmatch(r"r(\d+)-(.+)\.md", f)
        if m:
            meta = {}
            mp = os.path.join(d, f[:-3] + ".meta")
            if os.path.exists(mp):
                meta = dict(l.rstrip("\n").split("\t", 1) for l in open(mp))
            found.append((int(m.group(1)), m.group(2), open(os.path.join(d, f)).read(), meta))
    return sorted(found, key=lambda r: (r[0], labels.index(r[1]) if r[1] in labels else 99))

def fmt(v, pattern="{:,.0f}"):
    return "–" if v is None else pattern.format(v)

def pct(v):
    return "–" if v is None else f"{v * 100:.0f} %"

def load(meta):
    if "load_before" not in meta:
        return "–"
    return f"{meta['load_before'].split()[0]} → {meta['load_after'].split()[0]}"

def succeeded(found, emit, blanks):
    """The runs that produced figures; a failed one is emitted as a row of its own: its error, then blank cells."""
    for rnd, label, md, meta in found:
        err = failed(md, meta)
        if err:
            emit(f"| {rnd} | {label} | {err} |" + " |" * blanks)
        else:
            yield rnd, label, md, meta

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def failed(md, meta):
    if md.startswith("not available"):
        return md.strip()
    if meta.get("rc") not in (None, "0"):
        return f"failed (exit {meta.get('rc')}), see its .log"
    return None

def args(measure):
    a = run.get("args-" + measure)
    return f", `{a}`" if a else ""

def commit_line(c):
    return f"{c[0]} = `{c[2][:7]}` ({c[1]}; {c[3]})"

per_measure_rounds = "".join(", " + k[7:] + " " + v for k, v in run.items() if k.startswith("rounds-"))
print("## Before and after, side by side\n")
print("```")
print(run["command"])
print("```\n")
print(f"- Date: {run['date']}; {run['cores']} cores; nice {run['nice']}; one cluster for every run: {run['server']}")
for c in commits:
    print(f"- {commit_line(c)}")
print(f"- Each measurement runs each commit's own verb with the same options, interleaved "
      f"({', '.join(labels)}, then again), {run['rounds']} rounds{per_measure_rounds}; every verb measures its own baseline in its own run. "
      "Load = 1-minute load average before → after the run.\n")

# ---- append
r = runs("append")
if r:
    table, summary = [], {}
    for rnd, label, md, meta in succeeded(r, table.append, 6):
        per = {}
        for header, cells in rows(md):
            if len(cells) < 6 or not cells[0].isdigit():
                continue
            w, who = int(cells[0]), cells[1].replace("*", "")
            p = per.setdefault(w, {})
            if header[2] == "tx/s":
                p[who] = (num(cells[2]), cells[4])
            elif header[-1] == "Others" and who == "store":
                p["others"] = cells[-1]
        for w in sorted(per):
            p = per[w]
            store, pgb = p.get("store", (None, "–")), p.get("pgbench insert", (None, "–"))
            ratio = store[0] / pgb[0] if store[0] and pgb[0] else None
            summary.setdefault((w, label), []).append((store[0], pgb[0], ratio))
            table.append(f"| {rnd} | {label} | {w} | {fmt(store[0])} | {fmt(pgb[0])} | {pct(ratio)} | {store[1]} | {p.get('others', '–')} | {load(meta)} |")
    print("### Single-event appends (verb `append`" + args("append") + "; each run reports the best of its own rounds)\n")
    print("| Writers | " + " | ".join(f"{l}: store tx/s (pgbench insert; ratio), median" for l in labels) + f" | {labels[-1]} / {labels[0]}, store |")
    print("|---:|" + "---:|" * (len(labels) + 1))
    for w in sorted({k[0] for k in summary}):
        cells = []
        for l in labels:
            v = summary.get((w, l), [])
            s, p, q = med([x[0] for x in v]), med([x[1] for x in v]), med([x[2] for x in v])
            cells.append(f"{fmt(s)} ({fmt(p)}; {pct(q)})")
        first, last = med([x[0] for x in summary.get((w, labels[0]), [])]), med([x[0] for x in summary.get((w, labels[-1]), [])])
        print(f"| {w} | " + " | ".join(cells) + f" | {pct(last / first if first and last else None)} |")
    print()
    print("Every run: store = the commit's event store, one event per unit of work with its expected version; pgbench insert = one autocommit row into a copy of that commit's log table.\n")
    print("| Round | Commit | Writers | store tx/s | pgbench insert tx/s | store / pgbench | store p99 | Others | Load |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(table))
    print()
    last = labels[-1]
    q32 = med([x[2] for x in summary.get((32, last), [])])
    print(f"Target (issue 13): at 32 writers ≥ 60 % of pgbench. {last}: median {pct(q32)}, "
          f"{'**met**' if q32 is not None and q32 >= 0.60 else '**not met**'}.\n")

# ---- projections
r = runs("projections")
if r:
    table, summary = [], {}
    for rnd, label, md, meta in succeeded(r, table.append, 7):
        copy = rebuild = at_start = lat = None
        for header, cells in rows(md):
            if header[0] == "What" and cells[0].startswith("COPY"):
                copy = num(cells[3])
            elif header[0] == "What" and cells[0].startswith("Projection rebuild"):
                rebuild = num(cells[3])
            elif header[0] == "What" and cells[0].startswith("Rebuild at the daemon's start"):
                at_start = num(cells[3])
            elif header[0] == "Messages" and lat is None:
                lat = (num(cells[2]), num(cells[3]), num(cells[4]), cells[1])
        ratio = rebuild / copy if rebuild and copy else None
        summary.setdefault(label, []).append((rebuild, copy, ratio, lat, at_start / copy if at_start and copy else None))
        p50, p99, mx, rate = lat if lat else (None, None, None, "–")
        table.append(f"| {rnd} | {label} | {fmt(copy)} | {fmt(rebuild)} | {pct(ratio)} | {pct(at_start / copy if at_start and copy else None)} | {rate} | {fmt(p50, '{:.2f} ms')} | {fmt(p99, '{:.1f} ms')} | {fmt(mx, '{:.1f} ms')} | {load(meta)} |")
    print("### Projection rebuild and commit-to-handler latency (verb `projections`" + args("projections") + ")\n")
    print(f"| Commit | rebuild events/s (COPY; ratio), median | vs {labels[0]}, rebuild | rebuild at the daemon's start / COPY, median | latency p50, median | p99 median (all rounds) |")
    print("|---|---:|---:|---:|---:|---:|")
    for l in labels:
        v = summary.get(l, [])
        p99s = [x[3][1] for x in v if x[3]]
        first, this = med([x[0] for x in summary.get(labels[0], [])]), med([x[0] for x in v])
        print(f"| {l} | {fmt(this)} ({fmt(med([x[1] for x in v]))}; {pct(med([x[2] for x in v]))}) | {pct(this / first if first and this else None)} | {pct(med([x[4] for x in v]))} | "
              f"{fmt(med([x[3][0] for x in v if x[3]]), '{:.2f} ms')} | {fmt(med(p99s), '{:.1f} ms')} ({', '.join(f'{p:.1f}' for p in p99s)}) |")
    print()
    print("Every run: the log (by default a million events over 10,000 streams) rebuilt by the commit's async daemon from a reset, beside `COPY … TO STDOUT` of the same rows "
          "(\"rebuild\": the verb's \"Projection rebuild\" row; \"at the daemon's start\": its \"Rebuild at the daemon's start\" row, where it has one, "
          "a rebuild asked for as soon as the daemon starts, while every async projection makes its first pass over the fresh log); "
          "then a steady load (by default 200 commits/s for 20 s), each commit one event and one published message on the commit's own bus, "
          "timed from the commit's return to the handler's start.\n")
    print("| Round | Commit | COPY events/s | rebuild events/s | rebuild / COPY | at the daemon's start / COPY | achieved rate | p50 | p99 | max | Load |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(table))
    print()
    last = summary.get(labels[-1], [])
    q = med([x[2] for x in last]); p99 = med([x[3][1] for x in last if x[3]])
    print(f"Targets (issue 13) for {labels[-1]}: rebuild ≥ 30 % of COPY: median {pct(q)}, {'**met**' if q is not None and q >= 0.30 else '**not met**'}; "
          f"p99 ≤ 10 ms at 200 commits/s: median {fmt(p99, '{:.1f} ms')}, {'**met**' if p99 is not None and p99 <= 10 else '**not met**'}.\n")

# ---- messages
r = runs("messages")
if r:
    print("### Commit-to-handler latency alone (verb `messages`" + args("messages") + ")\n")
    print("| Round | Commit | Bus | Messages | achieved rate | p50 | p99 | max | Load |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---|")
    for rnd, label, md, meta in succeeded(r, print, 6):
        for header, cells in rows(md):
            if header[0] == "Bus":
                print(f"| {rnd} | {label} | " + " | ".join(cells) + f" | {load(meta)} |")
    print()

# ---- bookings
r = runs("bookings")
if r:
    table, summary = [], {}
    for rnd, label, md, meta in succeeded(r, table.append, 8):
        pgb = http = None
        others = {}
        for header, cells in rows(md):
            name = cells[0].replace("*", "")
            if header[1] == "Requests/s" and name.startswith("pgbench"):
                pgb = num(cells[1])
            elif header[1] == "Requests/s" and name.startswith("POST"):
                http = (num(cells[1]), num(cells[2]), cells[3], cells[4])
            elif header[-1] == "Others":
                others["pg" if name.startswith("pgbench") else "http"] = cells[-1]
                if name.startswith("POST") and len(cells) >= 4:
                    others["cpu"] = f"{cells[2]} / {cells[3]}"
        m = re.search(r"Overlapping pairs[^*]*\*\*(\d+)\*\*", md)
        ratio = http[0] / pgb if http and pgb else None
        summary.setdefault(label, []).append((http[0] if http else None, pgb, ratio))
        h = http or (None, None, "–", "–")
        table.append(f"| {rnd} | {label} | {fmt(pgb)} | {fmt(h[0])} | {fmt(h[1])} | {pct(ratio)} | {h[2]} | {h[3]} | {m.group(1) if m else '–'} | "
                     f"{others.get('cpu', '–')} | {others.get('pg', '–')} / {others.get('http', '–')} | {load(meta)} |")
    print("### Bookings over HTTP (verb `bookings`" + args("bookings") + "; each run reports the best of its own rounds)\n")
    print(f"| Commit | POST /api/bookings requests/s (pgbench; ratio), median | vs {labels[0]}, requests/s |")
    print("|---|---:|---:|")
    for l in labels:
        v = summary.get(l, [])
        first, this = med([x[0] for x in summary.get(labels[0], [])]), med([x[0] for x in v])
        print(f"| {l} | {fmt(this)} ({fmt(med([x[1] for x in v]))}; {pct(med([x[2] for x in v]))}) | {pct(this / first if first and this else None)} |")
    print()
    print("| Round | Commit | pgbench tx/s | requests/s | bookings/s (201) | requests / pgbench | p50 | p99 | double bookings | CPU per request: PostgreSQL / host | Others (pgbench / HTTP) | Load |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(table))
    print()
    # With --statements: what each request cost the server in statements, transactions and messages (the host's
    # statements only, not pgbench's; the whole run, seeding and warm-up included, over every answer).
    stat_rows = []
    for rnd, label, md, meta in r:
        sp = os.path.join(out, "bookings", f"r{rnd}-{label}.statements.tsv")
        answers = re.findall(r"\| (?:free|contested) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|", md)
        if not os.path.exists(sp) or not answers:
            continue
        requests = sum(int(x.replace(",", "")) for a in answers for x in a)
        st = [l.rstrip("\n").split("\t", 3) for l in open(sp) if l.count("\t") >= 3]
        host = [x for x in st if "benchbook" not in x[3]]
        calls = lambda pred: sum(int(x[0]) for x in host if pred(x[3])) / requests
        stat_rows.append(f"| {rnd} | {label} | {requests:,} | {calls(lambda q: True):.1f} | {calls(lambda q: q.startswith('BEGIN')):.2f} | "
                         f"{calls(lambda q: 'wolverine_incoming_envelopes' in q and q.startswith('insert') or 'insert into eventing.outbox' in q):.2f} | "
                         f"{calls(lambda q: 'wolverine_incoming_envelopes set status' in q or q.startswith('update eventing.deliveries set status')):.2f} | "
                         f"{sum(float(x[1]) for x in host) / requests:.2f} ms |")
    if stat_rows:
        print("Per request, from pg_stat_statements (the host's statements, not pgbench's; the whole run over every answer; the 100 most called statements):\n")
        print("| Round | Commit | requests | statements | transactions | message-storing statements | messages handled | execution time (wall) |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|")
        print("\n".join(stat_rows))
        print()
    q = med([x[2] for x in summary.get(labels[-1], [])])
    print(f"Target (issue 13): not below 24 % of pgbench. {labels[-1]}: median {pct(q)}, {'**met**' if q is not None and q >= 0.24 else '**not met**'}.\n")
PY
}
if [[ -n $report_only ]]; then report "$report_only"; exit 0; fi

# c460411 is the last commit before the move began (issue 13 step 1, 3f7120a): our own log (eventing.events),
# projection daemon and outbox. 27d4b7a already writes the log into Marten's mt_events (step 2); pass it
# explicitly to measure step 3 (the messages) alone.
[[ ${#commits[@]} -eq 0 ]] && commits=(c460411 HEAD)
[[ ${#commits[@]} -eq 1 ]] && commits+=(HEAD)
[[ $statements == 1 && -n $connection ]] && { echo "--statements needs the private cluster (no --connection)" >&2; exit 2; }

log() { echo "[side-by-side $(date -u +%H:%M:%S)] $*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
loads() { cut -d' ' -f1-3 /proc/loadavg; }

mkdir -p "$workdir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${out:-$workdir/runs-$stamp}
mkdir -p "$out"

# --- the commits, each in its own detached worktree, built in Release ---------------------------------------
shas=() labels=() dirs=()
for i in "${!commits[@]}"; do
    sha=$(git -C "$repo" rev-parse --verify "${commits[$i]}^{commit}")
    dir=$workdir/${sha:0:12}
    if [[ ! -e $dir/.git ]]; then
        log "worktree for ${commits[$i]} (${sha:0:12}) in $dir"
        git -C "$repo" worktree add --detach "$dir" "$sha" >&2
    elif [[ $(git -C "$dir" rev-parse HEAD) != "$sha" ]]; then
        echo "$dir exists but is not at $sha" >&2; exit 1
    fi
    if [[ $build == 1 ]]; then
        log "building ${sha:0:12} (Release) ..."
        (cd "$dir" && nice -n 10 dotnet build -c Release bench/Allmende.Bench -nologo -v q >"$out/build-${sha:0:12}.log" 2>&1) \
            || { echo "build of ${commits[$i]} failed, see $out/build-${sha:0:12}.log" >&2; exit 1; }
    fi
    [[ -f $dir/bench/Allmende.Bench/bin/Release/net10.0/Allmende.Bench.dll ]] || { echo "no Release build in $dir (drop --no-build)" >&2; exit 1; }
    shas+=("$sha"); dirs+=("$dir")
    if [[ $i == 0 ]]; then labels+=("before"); elif [[ ${#commits[@]} == 2 ]]; then labels+=("after"); else labels+=("c$i"); fi
    printf '%s\t%s\t%s\t%s\n' "${labels[$i]}" "${commits[$i]}" "$sha" "$(git -C "$repo" log -1 --format='%ad %s' --date=format:'%Y-%m-%d' "$sha" | cut -c1-90)…" >>"$out/commits.tsv"
done

# --- one cluster for every run -----------------------------------------------------------------------------
pgdata=""
stop_cluster() {
    if [[ -n $pgdata && -d $pgdata ]]; then
        log "stopping the cluster in $pgdata"
        (cd / && "${as_pg[@]}" "$bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1) || true
        cp "$pgdata/server.log" "$out/postgres.log" 2>/dev/null || true
        rm -rf "$pgdata"
    fi
}
if [[ -z $connection ]]; then
    pg_ctl=$(command -v pg_ctl || ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)
    bin=$(dirname "$(readlink -f "$pg_ctl")")
    pgdata=$repo/.pgdata/side-by-side
    # The binaries refuse to run as root; as root they run as the user Debian's package creates (as LocalPostgres does).
    as_pg=()
    [[ $(id -u) == 0 ]] && as_pg=(runuser -u postgres --)
    [[ -e $pgdata ]] && { (cd / && "${as_pg[@]}" "$bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1) || true; rm -rf "$pgdata"; }
    mkdir -p "$pgdata"
    [[ $(id -u) == 0 ]] && chown postgres: "$pgdata"
    chmod 700 "$pgdata"
    (cd / && "${as_pg[@]}" "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8) >"$out/initdb.log" 2>&1 \
        || (cd / && "${as_pg[@]}" "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --no-locale) >"$out/initdb.log" 2>&1 \
        || { echo "initdb failed, see $out/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    trap stop_cluster EXIT
    # As LocalPostgres starts the bench's cluster (Durable = true, MaxConnections = 200), at the runs' priority.
    preload=""
    [[ $statements == 1 ]] && preload="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=2000"
    (cd / && nice -n "$nice_value" "${as_pg[@]}" "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdata -c max_connections=200 $preload" start >/dev/null)
    psql_() { psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"; }
    [[ $statements == 1 ]] && psql_ -c "create extension pg_stat_statements" >/dev/null
    # Npgsql's default command timeout (30 s) ended the projections verb's one-statement generation of a million
    # events on a loaded machine; the verbs take their settings from this connection string.
    connection="Host=127.0.0.1;Port=$port;Username=postgres;Command Timeout=600"
    log "cluster on 127.0.0.1:$port (fsync on) in $pgdata"
fi
# No command line with the connection string in the report if it might carry a password.
{
    echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "server	$([[ -n $pgdata ]] && echo "private durable cluster in .pgdata/side-by-side, PostgreSQL $("$bin/postgres" --version | awk '{print $3}')" || echo "--connection")"
    echo "cores	$(nproc)"
    echo "nice	$nice_value"
    echo "rounds	$rounds"
    shown=() mask=0
    for a in "${argv[@]}"; do
        if [[ $mask == 1 ]]; then shown+=("'…'"); mask=0; continue; fi
        [[ $a == --connection ]] && mask=1
        [[ $a =~ [[:space:]\"] ]] && a="\"$a\""
        shown+=("$a")
    done
    echo "command	bench/side-by-side.sh${shown[*]:+ ${shown[*]}}"
} >"$out/run.tsv"
for m in "${!rounds_of[@]}"; do echo "rounds-$m	${rounds_of[$m]}" >>"$out/run.tsv"; done
for m in "${!extra_of[@]}"; do echo "args-$m	${extra_of[$m]}" >>"$out/run.tsv"; done

wait_quiet() {
    local waited=0
    while (( waited < quiet_wait )) && awk -v l="$(load1)" -v q="$quiet_load" 'BEGIN { exit !(l >= q) }'; do
        sleep 5; waited=$((waited + 5))
    done
    (( waited > 0 )) && log "waited ${waited} s for a quieter machine (load $(load1))"
    return 0
}

# --- the runs, interleaved ---------------------------------------------------------------------------------
for measure in $measures; do
    verb=$measure
    n=${rounds_of[$measure]:-$rounds}
    mkdir -p "$out/$measure"
    for ((round = 1; round <= n; round++)); do
        for i in "${!shas[@]}"; do
            dll=${dirs[$i]}/bench/Allmende.Bench/bin/Release/net10.0/Allmende.Bench.dll
            file=$out/$measure/r$round-${labels[$i]}
            # A verb this commit's bench does not have is recorded as such, not run.
            if ! (cd "${dirs[$i]}" && dotnet "$dll" --help 2>/dev/null) | grep -qE "^  $verb( |$)"; then
                echo "not available: commit ${shas[$i]:0:12} has no verb '$verb'" >"$file.md"
                printf 'rc\t-\n' >"$file.meta"
                continue
            fi
            wait_quiet
            start=$(date -u +%H:%M:%S); before=$(loads)
            log "$measure round $round/$n: ${labels[$i]} (${shas[$i]:0:12}), load $before"
            [[ $statements == 1 ]] && psql_ -c "select pg_stat_statements_reset()" >/dev/null
            rc=0
            # shellcheck disable=SC2086 # the extra arguments are meant to split
            (cd "${dirs[$i]}" && nice -n "$nice_value" dotnet "$dll" "$verb" --connection "$connection" ${extra_of[$measure]:-}) \
                >"$file.md" 2>"$file.log" || rc=$?
            printf 'start\t%s\nend\t%s\nload_before\t%s\nload_after\t%s\nrc\t%s\n' "$start" "$(date -u +%H:%M:%S)" "$before" "$(loads)" "$rc" >"$file.meta"
            (( rc == 0 )) || log "  exit code $rc, see $file.log"
            [[ $statements == 1 ]] && psql_ -At -F $'\t' -c "select calls, round(total_exec_time::numeric, 1), rows,
                left(regexp_replace(query, '\s+', ' ', 'g'), 300) from pg_stat_statements order by calls desc limit 100" >"$file.statements.tsv"
            true
        done
    done
done

# --- the report ----------------------------------------------------------------------------------------------
report "$out" | tee "$out/report.md"
log "done; the runs' Markdown and report.md are in $out"
