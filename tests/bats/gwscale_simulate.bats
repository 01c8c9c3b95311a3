#!/usr/bin/env bats
# gwscale simulate: a known series replayed through a target's policy
# gives the expected replica counts as a table, as JSON and as an SVG
# chart; the series' errors name their line; nothing is written to the
# DB.  The counts are those of the legacy HPA path worked out in
# tests/unit/test_sim.c (scale-up limit max(2 * current, 4), the 300 s
# downscale stabilization, a missing metric never scales down).

load helpers

GWSCALE=$GW_BIN/gwscale

# sim_json EXPR: json_eval on the JSON kept in $SIM_JSON.
sim_json()
{
	local output=$SIM_JSON

	json_eval "$1"
}

setup()
{
	gw_setup
	[ -x "$GWSCALE" ] || fail "no gwscale at $GWSCALE (run make first)"
	gw_init
	gwctl -q scale add web --workload deployment/web --max 10 \
	    --metric type=average_value,target=100,service=web,metric=requests_per_second ||
	    fail "cannot add scale target web"
	cat >series.csv <<-'EOF'
	# requests per second of web
	time,rps
	0,100
	15,1000
	60,100
	90,
	105,100
	EOF
}

@test "simulate: the table of a known series" {
	snap_db
	run -0 --separate-stderr "$GWSCALE" simulate web series.csv
	assert_output - <<-'EOF'
	TIME   RPS    CURRENT   DESIRED   REASON
	+0     100    1         1         DesiredWithinRange
	+15    1000   1         4         ScaleUpLimit
	+30    1000   4         8         ScaleUpLimit
	+45    1000   8         10        DesiredWithinRange
	+60    100    10        10        DesiredWithinRange
	+75    100    10        10        DesiredWithinRange
	+90    -      10        10        InvalidMetrics
	+105   100    10        10        DesiredWithinRange
	EOF
	assert_stderr ''
	assert_db_unchanged
}

@test "simulate: the series on stdin, the same table" {
	run -0 "$GWSCALE" simulate web series.csv
	local want=$output
	run -0 "$GWSCALE" simulate web - <series.csv
	assert_output "$want"
}

@test "simulate -o json: the counts, values and reasons, keys in order" {
	run -0 --separate-stderr "$GWSCALE" -o json simulate web series.csv
	assert_stderr ''
	SIM_JSON=$output
	run -0 sim_json 'list(d.keys())'
	assert_output '["target", "interval_s", "start_replicas", "rows"]'
	run -0 sim_json 'list(d["rows"][0].keys())'
	assert_output '["t_s", "values", "current", "desired", "reason", "message"]'
	run -0 sim_json '[d["target"], d["interval_s"], d["start_replicas"]]'
	assert_output '["web", 15, 1]'
	run -0 sim_json '[r["t_s"] for r in d["rows"]]'
	assert_output '[0, 15, 30, 45, 60, 75, 90, 105]'
	run -0 sim_json '[r["values"] for r in d["rows"]]'
	assert_output '[[100], [1000], [1000], [1000], [100], [100], [null], [100]]'
	run -0 sim_json '[[r["current"], r["desired"]] for r in d["rows"]]'
	assert_output '[[1, 1], [1, 4], [4, 8], [8, 10], [10, 10], [10, 10], [10, 10], [10, 10]]'
	run -0 sim_json '[r["reason"] for r in d["rows"]]'
	assert_output '["DesiredWithinRange", "ScaleUpLimit", "ScaleUpLimit", "DesiredWithinRange", "DesiredWithinRange", "DesiredWithinRange", "InvalidMetrics", "DesiredWithinRange"]'
	run -0 sim_json 'd["rows"][4]["message"]'
	assert_output "DesiredWithinRange: the desired count is within the acceptable range; requests_per_second of web = 100 (average_value target 100) proposes 1; ScaleDownStabilized"
}

@test "simulate --replicas --interval: the start count and the decision times" {
	run -0 "$GWSCALE" --replicas 3 --interval 30s -o json simulate web \
	    series.csv
	SIM_JSON=$output
	run -0 sim_json '[d["interval_s"], d["start_replicas"],
	    [[r["t_s"], r["current"], r["desired"]] for r in d["rows"]]]'
	# 0 s: 100/(100*3) proposes 1, held by the seed of 3 (the first
	# decision's history); 30 s: 1000 proposes 10, limited to 6.
	assert_output '[30, 3, [[0, 3, 3], [30, 3, 6], [60, 6, 10], [90, 10, 10]]]'
}

@test "simulate: RFC 3339 timestamps are printed as such" {
	cat >ts.csv <<-'EOF'
	2026-11-26T09:30:00Z,100
	2026-11-26T09:30:15Z,1000
	2026-11-26T10:30:20+01:00,1000
	EOF
	run -0 "$GWSCALE" simulate web ts.csv
	assert_output - <<-'EOF'
	TIME                   RPS    CURRENT   DESIRED   REASON
	2026-11-26T09:30:00Z   100    1         1         DesiredWithinRange
	2026-11-26T09:30:15Z   1000   1         4         ScaleUpLimit
	EOF
	run -0 "$GWSCALE" -o json simulate web ts.csv
	SIM_JSON=$output
	run -0 sim_json '[[r["t_s"], r["time"]] for r in d["rows"]]'
	assert_output '[[0, "2026-11-26T09:30:00Z"], [15, "2026-11-26T09:30:15Z"]]'
}

@test "simulate -o svg: an SVG document with a line per metric and the replicas" {
	gwctl -q scale add two --workload deployment/two --max 10 \
	    --metric type=average_value,target=100,service=web,metric=requests_per_second \
	    --metric 'type=value,target=5,source=prometheus,url=http://127.0.0.1:9/,query=sum(rate(x{job="a<b"}[1m])) > 0' ||
	    fail "cannot add scale target two"
	printf 'time,rps,x\n0,100,\n15,1000,1\n30,,2\n' >two.csv
	snap_db
	run -0 --separate-stderr "$GWSCALE" -o svg simulate two two.csv
	assert_stderr ''
	assert_db_unchanged
	printf '%s\n' "$output" >two.svg
	run -0 python3 - two.svg <<-'EOF'
	import sys
	import xml.etree.ElementTree as ET
	ns = "{http://www.w3.org/2000/svg}"
	root = ET.parse(sys.argv[1]).getroot()
	assert root.tag == ns + "svg", root.tag
	assert root.get("version") == "1.1"
	paths = [p.get("id") for p in root.iter(ns + "path")]
	texts = [t.text for t in root.iter(ns + "text")]
	print(root.find(ns + "title").text)
	print(" ".join(paths))
	# 480 high, and a row more: the query's label takes a legend row.
	print(root.get("width"), root.get("height"))
	print([t for t in texts if t.startswith(("requests", "prometheus",
	    "replicas ("))])
	EOF
	assert_output - <<-'EOF'
	gwscale simulate: two
	metric-1 metric-2 replicas
	960 498
	['requests_per_second@web (average_value, target 100)', 'prometheus: sum(rate(x{job="a<b"}[1m])) > 0 (value, target 5)', 'replicas (min 1, max 10)']
	EOF
	# The same replay, the same bytes.
	run -0 "$GWSCALE" -o svg simulate two two.csv
	cmp -s two.svg <(printf '%s\n' "$output") ||
	    fail "two runs gave different SVG"
}

@test "simulate: an unknown target is refused, exit 1" {
	run -1 --separate-stderr "$GWSCALE" simulate nosuch series.csv
	assert_output ''
	assert_stderr 'gwscale: scale target "nosuch": no such target (see gwctl get scale)'
}

@test "simulate: a target that fails validation is refused with its reason" {
	db_query "UPDATE scale_targets SET behavior = '{\"scaleUp\":{\"bogus\":1}}' WHERE name = 'web'"
	run -1 --separate-stderr "$GWSCALE" simulate web series.csv
	assert_output ''
	assert_stderr 'gwscale: scale target "web": stored behavior.scaleUp: unknown field "bogus"'
}

@test "simulate: a bad line of the series names its line and value, exit 1" {
	printf 'time,rps\n0,100\n# fine\n15,abc\n' >bad.csv
	run -1 --separate-stderr "$GWSCALE" simulate web bad.csv
	assert_output ''
	assert_stderr 'gwscale: bad.csv: line 4: column 2: invalid number "abc"'

	printf '0,100\n15,100,7\n' >bad.csv
	run -1 --separate-stderr "$GWSCALE" simulate web bad.csv
	assert_stderr 'gwscale: bad.csv: line 2: 3 columns, expected 2 (the time and 1 metric)'

	printf '15,100\n15,100\n' >bad.csv
	run -1 --separate-stderr "$GWSCALE" simulate web bad.csv
	assert_stderr 'gwscale: bad.csv: line 2: column 1: time "15" is not after the previous row'"'"'s "15"'

	printf '# nothing\n' >bad.csv
	run -1 --separate-stderr "$GWSCALE" simulate web - <bad.csv
	assert_stderr 'gwscale: stdin: no rows: expected lines of a time and 1 metric'
}

@test "simulate: a file that cannot be read, exit 1" {
	run -1 --separate-stderr "$GWSCALE" simulate web nofile.csv
	assert_output ''
	assert_stderr 'gwscale: nofile.csv: No such file or directory'
}

@test "simulate -o: an unknown output is a usage error, exit 2" {
	run -2 --separate-stderr "$GWSCALE" -o yaml simulate web series.csv
	assert_output ''
	assert_stderr 'gwscale: -o: unknown output "yaml" (table, json or svg)'
}

@test "simulate: a database that is not there, exit 1, nothing created" {
	run -1 --separate-stderr "$GWSCALE" --db "$BATS_TEST_TMPDIR/none.db" \
	    simulate web series.csv
	assert_output ''
	assert_stderr --partial "gwscale: $BATS_TEST_TMPDIR/none.db: "
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ] || fail "simulate created a DB"
}

@test "simulate: scale to zero after the cooldown, back to 1 on activity" {
	gwctl -q scale add zero --workload deployment/zero --min 0 --max 5 \
	    --cooldown 30s \
	    --metric type=average_value,target=100,service=web,metric=requests_per_second ||
	    fail "cannot add scale target zero"
	printf '0,50\n15,0\n75,20\n' >zero.csv
	run -0 "$GWSCALE" simulate zero zero.csv
	assert_output - <<-'EOF'
	TIME   RPS   CURRENT   DESIRED   REASON
	+0     50    1         1         DesiredWithinRange
	+15    0     1         1         DesiredWithinRange
	+30    0     1         0         Deactivated
	+45    0     0         0         Idle
	+60    0     0         0         Idle
	+75    20    0         1         Activated
	EOF
}
