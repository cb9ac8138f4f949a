"""The benchmark plumbing that needs no server and no wrk: wrk's report parser, the Lua request script, the target
comparison and the verdicts of benchmarks/http_load.py (no timing is asserted, nothing is run)."""

from __future__ import annotations

import pytest

from benchmarks import wrk
from benchmarks.http_load import Benchmark, Rounds, judge
from benchmarks.results import Result, all_passed, meets

# wrk 4.1.0 (Debian), -t1 -c8 --latency against benchmarks/bare_app.py
REPORT = """Running 2s test @ https://127.0.0.1:38111/subscriptions/x?api-version=2022-12-01
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.91ms    7.33ms  67.65ms   87.95%
    Req/Sec     1.02k   372.78     1.50k    73.68%
  Latency Distribution
     50%    7.35ms
     75%   10.63ms
     90%   16.11ms
     99%   41.67ms
  1962 requests in 2.03s, 1.60MB read
Requests/sec:    967.76
Transfer/sec:    809.21KB
"""

# the same wrk on a path the app does not serve: microseconds, and every answer a 404
NON_2XX = """Running 1s test @ https://127.0.0.1:38111/nothere
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.57ms    7.20ms  65.03ms   90.01%
    Req/Sec     1.57k     1.40k    4.35k    64.71%
  Latency Distribution
     50%  762.00us
     75%    2.79ms
     90%   10.73ms
     99%   36.11ms
  2724 requests in 1.04s, 410.05KB read
  Non-2xx or 3xx responses: 2724
Requests/sec:   2627.35
Transfer/sec:    395.50KB
"""

# a slow, overloaded server: latencies in seconds, a run of a minute, socket errors (wrk's own formats)
OVERLOADED = """Running 1m test @ https://127.0.0.1:8443/token
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20s   300.00ms   9.99s    70.00%
    Req/Sec    12.00      5.00    30.00     60.00%
  Latency Distribution
     50%    1.10s
     75%    1.50s
     90%    2.00s
     99%    4.25s
  1500 requests in 1.00m, 1.00MB read
  Socket errors: connect 0, read 3, write 1, timeout 7
Requests/sec:     24.99
Transfer/sec:     17.06KB
"""


def test_a_report_gives_the_rate_the_percentiles_and_the_run_shape():
    run = wrk.parse(REPORT)
    assert run.requests_per_second == 967.76
    assert run.latency_ms == {50.0: 7.35, 75.0: 10.63, 90.0: 16.11, 99.0: 41.67}
    assert (run.p50_ms, run.p99_ms) == (7.35, 41.67)
    assert (run.requests, run.duration_s, run.threads, run.connections) == (1962, 2.03, 1, 8)
    assert run.errors == 0


def test_microseconds_are_read_as_fractions_of_a_millisecond_and_non_2xx_answers_count_as_errors():
    run = wrk.parse(NON_2XX)
    assert run.p50_ms == pytest.approx(0.762)
    assert run.non_2xx == 2724
    assert run.errors == 2724


def test_seconds_minutes_and_socket_errors():
    run = wrk.parse(OVERLOADED)
    assert run.p50_ms == pytest.approx(1100)
    assert run.p99_ms == pytest.approx(4250)
    assert run.duration_s == pytest.approx(60)
    assert run.socket_errors == {"connect": 0, "read": 3, "write": 1, "timeout": 7}
    assert run.errors == 11


def test_a_report_without_the_latency_distribution_is_refused():
    without = "\n".join(line for line in REPORT.splitlines() if "%  " not in line and "Distribution" not in line)
    with pytest.raises(ValueError, match="latency distribution"):
        wrk.parse(without)
    with pytest.raises(ValueError, match="Requests/sec"):
        wrk.parse(REPORT.replace("Requests/sec", "Rate"))


def test_the_lua_script_escapes_what_a_lua_string_cannot_hold():
    assert wrk.lua_string('a"b\\c\nd é') == '"a\\"b\\\\c\\010d \\195\\169"'
    script = wrk.lua_script("PUT", {"Authorization": "Bearer x.y.z", "Content-Type": "application/json"},
                            '{"location": "westeurope"}')
    assert script.splitlines() == ['wrk.method = "PUT"',
                                   'wrk.headers["Authorization"] = "Bearer x.y.z"',
                                   'wrk.headers["Content-Type"] = "application/json"',
                                   'wrk.body = "{\\"location\\": \\"westeurope\\"}"']
    assert "wrk.body" not in wrk.lua_script("GET", {})


def test_the_wrk_command_line_asks_for_the_latency_distribution():
    args = wrk.command("https://h/p", "s.lua", threads=1, connections=32, duration=10, cpus="1")
    assert args[:3] == ["taskset", "-c", "1"]
    assert {"-t1", "-c32", "-d10s", "--latency"} <= set(args)
    assert args[-1] == "https://h/p"


def test_targets_compare_the_value_with_the_number():
    assert meets(0.6, ">= 0.6") and not meets(0.59, ">= 0.6")
    assert meets(2.0, "<= 2") and not meets(2.01, "<= 2x")
    assert meets(0.5, "< 1") and not meets(1, "< 1")
    with pytest.raises(ValueError):
        meets(1, "at least 0.6")
    assert not all_passed([Result.check("a", 1, ">= 0.6"), Result.check("b", 3, "<= 2")])
    assert all_passed([Result("information only", 1), Result.check("a", 1, ">= 0.6")])


def _run(rps: float, p99: float, non_2xx: int = 0) -> wrk.WrkRun:
    return wrk.WrkRun(requests_per_second=rps, latency_ms={50.0: p99 / 4, 99.0: p99}, requests=int(rps * 10),
                      duration_s=10, threads=1, connections=32, non_2xx=non_2xx)


def _rounds(*runs: wrk.WrkRun) -> Rounds:
    return Rounds(runs=list(runs), wrk_cpu=[1.0] * len(runs), server_cpu=[9.0] * len(runs))


READ = Benchmark("subscription", "GET /subscriptions/{id}", "read", "GET", "/subscriptions/x", {})


def test_a_read_passes_on_the_ratio_of_median_throughputs_and_median_p99s():
    measured = {"bare": _rounds(_run(1000, 40), _run(1200, 50), _run(900, 45)),
                "subplane": _rounds(_run(700, 80), _run(600, 95), _run(650, 70))}
    throughput, p99, cpu = judge(READ, measured)
    assert throughput.value == pytest.approx(650 / 1000)
    assert throughput.passed and throughput.target == ">= 0.6"
    assert p99.value == pytest.approx(80 / 45)
    assert p99.passed
    # the same 9 CPU seconds a run: per request, Subplane's median run (6,500) against the bare one's (10,000)
    assert cpu.value == pytest.approx(10_000 / 6_500)
    assert cpu.passed is None


def test_a_read_fails_when_its_p99_is_more_than_twice_the_bare_one_and_failed_requests_fail_the_run():
    measured = {"bare": _rounds(_run(1000, 40)), "subplane": _rounds(_run(900, 81, non_2xx=3))}
    throughput, p99, _, failures = judge(READ, measured)
    assert throughput.passed
    assert p99.passed is False
    assert failures.passed is False and failures.value == 3


def test_the_token_endpoint_has_its_own_target_and_a_write_none():
    measured = {"bare": _rounds(_run(1000, 40)), "subplane": _rounds(_run(450, 200))}
    token = Benchmark("token", "POST token", "token", "POST", "/t/oauth2/v2.0/token", {}, "grant_type=x")
    throughput, p99, _ = judge(token, measured)
    assert (throughput.target, throughput.passed) == (">= 0.5", False)
    assert p99.passed is None
    write = Benchmark("put_group", "PUT group", "write", "PUT", "/subscriptions/x/resourcegroups/r", {}, "{}")
    assert all(r.passed is None for r in judge(write, measured))


def test_run_all_finds_the_result_benchmarks_without_importing_them():
    from pathlib import Path

    from benchmarks.run_all import kind

    here = Path(__file__).resolve().parents[3] / "benchmarks"
    assert kind(here / "http_load.py") == "results"
    assert kind(here / "arm_speed.py") == "results"
    assert kind(here / "cancel_10k.py") == "script"  # main() -> int: run as a subprocess with --scripts
    assert kind(here / "bare_app.py") is None  # a part of http_load, not a benchmark
    assert kind(here / "wrk.py") is None and kind(here / "results.py") is None


def test_a_run_in_which_no_request_completed_fails_and_has_no_p99():
    measured = {"bare": _rounds(_run(1000, 40)),
                "subplane": _rounds(wrk.WrkRun(requests_per_second=0, latency_ms={50.0: 0, 99.0: 0}, requests=0,
                                               duration_s=10, threads=1, connections=32))}
    token = Benchmark("token", "POST token", "token", "POST", "/t/oauth2/v2.0/token", {}, "grant_type=x")
    throughput, p99, _, silent = judge(token, measured)
    assert throughput.passed is False
    assert p99.value == float("inf")
    assert (silent.value, silent.passed) == (1, False)
