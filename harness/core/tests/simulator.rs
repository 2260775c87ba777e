//! The simulator's promises: determinism, the fault model, the clocks, storage and the budgets.

mod common;

use common::{Behaviour, Msg, Request, Test, outputs, setup};
use harness::history::{Outcome, history};
use harness::sim::{Abort, Simulation};
use harness::trace::{DropReason, EventKind};
use harness::{Clock, Cut, Delay, Duration, Fault, Network, NodeId, Prob, Run, Schedule, Time};

fn run(seed: u64, s: harness::sim::Setup<Test>) -> Run<Test> {
    Simulation::new(seed, s).run()
}

fn text(run: &Run<Test>) -> Vec<String> {
    run.trace.events.iter().map(|e| run.trace.render_text(e)).collect()
}

fn lossy_pings() -> harness::sim::Setup<Test> {
    let mut s = setup(3, Behaviour::PingPong { peers: 2 }, Duration::from_millis(500));
    s.network = Network::reliable()
        .with_loss(Prob::percent(20))
        .with_duplication(Prob::percent(10))
        .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(30)));
    s
}

#[test]
fn a_seed_replays_byte_for_byte_and_another_seed_differs() {
    let a = text(&run(7, lossy_pings()));
    let b = text(&run(7, lossy_pings()));
    let c = text(&run(8, lossy_pings()));
    assert!(a.len() > 100, "the run should be busy, got {} events", a.len());
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn the_network_loses_duplicates_and_reorders_at_the_configured_rates() {
    let r = run(3, lossy_pings());
    let sent = r.trace.messages.len() as f64;
    let lost = r
        .trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Drop { reason: DropReason::Loss, .. }))
        .count() as f64;
    let dups =
        r.trace.events.iter().filter(|e| matches!(e.kind, EventKind::Duplicate { .. })).count()
            as f64;
    assert!((0.15..0.25).contains(&(lost / sent)), "lost {lost} of {sent}");
    // Duplication is drawn only for messages that were not lost.
    assert!((0.05..0.15).contains(&(dups / (sent - lost))), "duplicated {dups} of {sent}");
    for e in &r.trace.events {
        if let EventKind::Deliver { msg } = e.kind {
            let m = r.trace.message(msg);
            let delay = e.at - m.sent_at;
            assert!(delay >= Duration::from_millis(1) && delay <= Duration::from_millis(30));
        }
    }
}

#[test]
fn simultaneous_events_run_in_the_order_they_were_scheduled() {
    let mut s = setup(2, Behaviour::TwoPingsAtStart, Duration::from_millis(50));
    s.network = Network::reliable()
        .with_delay(Delay::uniform(Duration::from_millis(5), Duration::from_millis(5)));
    let r = run(1, s);
    let pings: Vec<_> = outputs(&r).into_iter().filter(|(_, n, _)| *n == NodeId(1)).collect();
    assert_eq!(pings.len(), 2);
    assert_eq!(pings[0].0, pings[1].0, "both arrive at the same instant");
    assert_eq!(pings[0].2, "ping 1 from n0");
    assert_eq!(pings[1].2, "ping 2 from n0");
}

#[test]
fn a_partition_blocks_messages_in_flight_and_heals() {
    let mut s = setup(2, Behaviour::PingPong { peers: 1 }, Duration::from_millis(300));
    s.faults = vec![Fault::partition(
        Time::from_millis(100),
        Some(Time::from_millis(200)),
        &[&[NodeId(0)], &[NodeId(1)]],
    )];
    let r = run(1, s);
    let inside = |t: Time| t >= Time::from_millis(100) && t < Time::from_millis(200);
    for e in &r.trace.events {
        match e.kind {
            EventKind::Deliver { .. } => {
                assert!(!inside(e.at), "delivered during the partition at {}", e.at)
            }
            EventKind::Drop { reason: DropReason::Partition, .. } => assert!(inside(e.at)),
            _ => {}
        }
    }
    let pongs_after = outputs(&r)
        .iter()
        .filter(|(t, _, o)| *t > Time::from_millis(200) && o.starts_with("pong"))
        .count();
    assert!(pongs_after > 5, "traffic resumes after the heal");
}

#[test]
fn a_one_way_partition_blocks_one_direction_only() {
    let mut s = setup(2, Behaviour::PingPong { peers: 1 }, Duration::from_millis(100));
    s.faults = vec![Fault::one_way(Time::ZERO, None, NodeId(1), NodeId(0))];
    let r = run(1, s);
    let out = outputs(&r);
    assert!(out.iter().any(|(_, n, o)| *n == NodeId(1) && o.starts_with("ping")));
    assert!(!out.iter().any(|(_, _, o)| o.starts_with("pong")), "pongs from n1 never reach n0");
}

#[test]
fn a_link_can_be_slower_than_the_rest_until_the_network_resets_it() {
    // n0 pings n1 and n2; from 100 ms every link of n2 takes 50 ms, until the whole network
    // changes at 300 ms. n1's links keep the ordinary 1 ms.
    let one_ms = Delay::uniform(Duration::from_millis(1), Duration::from_millis(1));
    let fifty_ms = Delay::uniform(Duration::from_millis(50), Duration::from_millis(50));
    let mut s = setup(3, Behaviour::PingPong { peers: 2 }, Duration::from_millis(500));
    s.network = Network::reliable().with_delay(one_ms);
    s.faults = vec![
        Fault::links_of(
            Time::from_millis(100),
            NodeId(2),
            3,
            Some(Network::reliable().with_delay(fifty_ms)),
        ),
        Fault::Network {
            at: Time::from_millis(300),
            network: Network::reliable().with_delay(one_ms),
        },
    ];
    let r = run(1, s);
    let mut slow = 0;
    for e in &r.trace.events {
        if let EventKind::Deliver { msg } = e.kind {
            let m = r.trace.message(msg);
            let delay = e.at - m.sent_at;
            let on_n2 = m.from == NodeId(2) || m.to == NodeId(2);
            let in_window =
                m.sent_at >= Time::from_millis(100) && m.sent_at < Time::from_millis(300);
            if on_n2 && in_window {
                assert_eq!(delay, Duration::from_millis(50), "{m:?}");
                slow += 1;
            } else {
                assert_eq!(delay, Duration::from_millis(1), "{m:?}");
            }
        }
    }
    assert!(slow > 10, "only {slow} messages crossed the slow links");
    let lines = text(&r);
    assert!(
        lines.iter().any(|l| l
            .ends_with("NETWORK n2->n0 n0->n2 n2->n1 n1->n2: loss 0%, duplication 0%, delay 50ms")),
        "{lines:#?}"
    );
}

#[test]
fn a_link_returns_to_the_network_behaviour_when_its_override_is_lifted() {
    let mut s = setup(2, Behaviour::PingPong { peers: 1 }, Duration::from_millis(300));
    s.faults = vec![
        Fault::LinkNetwork {
            at: Time::ZERO,
            links: vec![(NodeId(0), NodeId(1))],
            network: Some(Network::reliable().with_loss(Prob::ALWAYS)),
        },
        Fault::LinkNetwork {
            at: Time::from_millis(100),
            links: vec![(NodeId(0), NodeId(1))],
            network: None,
        },
    ];
    let r = run(1, s);
    let pings = |from: Time, to: Time| {
        outputs(&r)
            .iter()
            .filter(|(t, _, o)| *t >= from && *t < to && o.starts_with("ping"))
            .count()
    };
    assert_eq!(pings(Time::ZERO, Time::from_millis(100)), 0, "every ping is lost on n0->n1");
    assert!(pings(Time::from_millis(110), Time::from_millis(300)) > 10);
}

fn store_setup(
    requests: Vec<(Time, NodeId, Request)>,
    faults: Vec<Fault>,
) -> harness::sim::Setup<Test> {
    let mut s = setup(1, Behaviour::Store, Duration::from_millis(100));
    s.workload = Box::new(Schedule(requests));
    s.faults = faults;
    s
}

#[test]
fn a_crash_loses_unsynced_writes_and_a_restart_reads_synced_ones() {
    let n0 = NodeId(0);
    let r = run(
        1,
        store_setup(
            vec![
                (Time::from_millis(10), n0, Request::Store { value: 1, sync: true }),
                (Time::from_millis(20), n0, Request::Store { value: 2, sync: false }),
            ],
            vec![
                Fault::Crash { node: n0, at: Time::from_millis(30) },
                Fault::Restart { node: n0, at: Time::from_millis(40) },
            ],
        ),
    );
    let out: Vec<String> = outputs(&r).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(out, vec!["started with None", "started with Some(1)"]);
    assert!(
        r.trace
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Crash { cut: None, lost_writes: 1, .. }))
    );
}

#[test]
fn a_crash_can_cut_a_handler_after_a_prefix_of_its_effects() {
    // Keep(1): the write survives (unsynced, so the crash then loses it), the sync and the
    // reply never happen.
    let n0 = NodeId(0);
    let r = run(
        1,
        store_setup(
            vec![(Time::from_millis(10), n0, Request::Store { value: 5, sync: true })],
            vec![
                Fault::CrashInHandler { node: n0, after: Time::from_millis(5), cut: Cut::Keep(1) },
                Fault::Restart { node: n0, at: Time::from_millis(50) },
            ],
        ),
    );
    assert!(
        r.trace
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Crash { cut: Some((1, 3)), lost_writes: 1, .. }))
    );
    assert!(!r.trace.events.iter().any(|e| matches!(e.kind, EventKind::Reply { .. })));
    let out: Vec<String> = outputs(&r).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(out, vec!["started with None", "started with None"]);
    // The trace says where the cut fell: in the request's handler, after the put, before the
    // sync and the reply.
    let cut = harness::evidence::cut_point(&r, n0).expect("n0 was cut short");
    assert!(matches!(r.trace.events[cut.trigger].kind, EventKind::Request { .. }));
    assert_eq!((cut.kept, cut.total), (1, 3));
    assert_eq!(cut.lost.len(), 2);
    assert_eq!(cut.lost[0], "sync");
    assert!(cut.lost[1].starts_with("reply "), "{:?}", cut.lost);
    let text: Vec<String> = r.trace.events.iter().map(|e| r.trace.render_text(e)).collect();
    assert!(text.iter().any(|l| l.ends_with("n0 lost in the crash: sync")), "{text:#?}");

    // Keep(2): the sync took effect, so the value survives, but the reply is lost: `info`.
    let r = run(
        1,
        store_setup(
            vec![(Time::from_millis(10), n0, Request::Store { value: 5, sync: true })],
            vec![
                Fault::CrashInHandler { node: n0, after: Time::from_millis(5), cut: Cut::Keep(2) },
                Fault::Restart { node: n0, at: Time::from_millis(50) },
            ],
        ),
    );
    let out: Vec<String> = outputs(&r).into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(out, vec!["started with None", "started with Some(5)"]);
    let h = history(&r).ops;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].outcome, Outcome::Info(None));
}

#[test]
fn sends_in_the_prefix_of_a_cut_handler_are_delivered() {
    let mut s = setup(2, Behaviour::TwoPingsAtStart, Duration::from_millis(50));
    s.faults =
        vec![Fault::CrashInHandler { node: NodeId(0), after: Time::ZERO, cut: Cut::Keep(1) }];
    let r = run(1, s);
    let pings: Vec<String> =
        outputs(&r).into_iter().filter(|(_, n, _)| *n == NodeId(1)).map(|(_, _, o)| o).collect();
    assert_eq!(pings, vec!["ping 1 from n0"]);
}

#[test]
fn the_history_records_ok_fail_and_info() {
    let n0 = NodeId(0);
    let r = run(
        1,
        store_setup(
            vec![
                (Time::from_millis(10), n0, Request::Store { value: 3, sync: true }),
                (Time::from_millis(15), n0, Request::Ignore),
                (Time::from_millis(40), n0, Request::Read),
            ],
            vec![Fault::Crash { node: n0, at: Time::from_millis(30) }],
        ),
    );
    let h = history(&r).ops;
    assert_eq!(h.len(), 3);
    assert!(matches!(h[0].outcome, Outcome::Ok(_, Some(3))));
    assert_eq!(h[0].process, 0, "the client process is the node that took the request");
    assert_eq!(h[1].outcome, Outcome::Info(None), "never answered, and the node crashed");
    assert_eq!(h[2].outcome, Outcome::Fail(Time::from_millis(40)), "refused: the node was down");
}

#[test]
fn a_pause_defers_events_and_handles_them_in_order_at_resume() {
    let mut s = setup(1, Behaviour::Timers, Duration::from_millis(100));
    s.faults = vec![Fault::Pause {
        node: NodeId(0),
        at: Time::from_millis(5),
        duration: Duration::from_millis(40),
    }];
    let r = run(1, s);
    let out: Vec<(Time, String)> = outputs(&r).into_iter().map(|(t, _, o)| (t, o)).collect();
    let resume = Time::from_millis(45);
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|(t, _)| *t == resume), "{out:?}");
    let order: Vec<&str> = out.iter().map(|(_, o)| o.split(" at").next().unwrap()).collect();
    assert_eq!(order, vec!["timer 10", "timer 20", "timer 30"]);
}

#[test]
fn a_picked_pause_waits_for_the_picker_then_pauses_the_node_it_names() {
    let mut s = setup(2, Behaviour::Timers, Duration::from_millis(100));
    s.faults =
        vec![Fault::PausePicked { at: Time::from_millis(5), duration: Duration::from_millis(40) }];
    // The picker names no one before 8ms, then n1.
    s.picker =
        Some(std::sync::Arc::new(|_, now| (now >= Time::from_millis(8)).then_some(NodeId(1))));
    let r = run(1, s);
    let pauses: Vec<(Time, NodeId, Time)> = r
        .trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Pause { node, until } => Some((e.at, node, until)),
            _ => None,
        })
        .collect();
    assert_eq!(pauses, vec![(Time::from_millis(8), NodeId(1), Time::from_millis(48))]);
    let late: Vec<Time> =
        outputs(&r).into_iter().filter(|(_, n, _)| *n == NodeId(1)).map(|(t, _, _)| t).collect();
    assert!(
        late.iter().all(|t| *t < Time::from_millis(8) || *t >= Time::from_millis(48)),
        "{late:?}"
    );
}

#[test]
fn timers_run_on_the_drifting_monotonic_clock() {
    let mut s = setup(1, Behaviour::Timers, Duration::from_millis(100));
    s.clocks = vec![Clock { drift_ppm: 100_000, wall_offset_micros: 0 }];
    let r = run(1, s);
    let out = outputs(&r);
    // A clock 10% fast measures 10 ms in about 9.09 ms of true time, and reads >= 10 ms then.
    assert_eq!(out[0].0, Time(9_091));
    assert_eq!(out[0].2, "timer 10 at 0.010000s");
}

#[test]
fn the_wall_clock_has_an_offset_and_can_step_backwards() {
    let mut s = setup(1, Behaviour::WallClock, Duration::from_millis(35));
    s.clocks = vec![Clock { drift_ppm: 0, wall_offset_micros: 500 }];
    s.faults =
        vec![Fault::ClockStep { node: NodeId(0), at: Time::from_millis(15), by_micros: -8_000 }];
    let r = run(1, s);
    let walls: Vec<i64> = outputs(&r)
        .into_iter()
        .map(|(_, _, o)| o.trim_start_matches("wall ").parse().unwrap())
        .collect();
    let epoch = harness::clock::WALL_EPOCH_MICROS;
    assert_eq!(walls, vec![epoch + 10_500, epoch + 12_500, epoch + 22_500]);
    assert!(walls[1] - walls[0] < 10_000, "the step made 10 ms look like 2 ms");
}

#[test]
fn a_run_recomputes_every_clock_reading_without_asking_the_node() {
    let mut s = setup(2, Behaviour::WallClock, Duration::from_millis(45));
    s.clocks = vec![
        Clock { drift_ppm: 0, wall_offset_micros: 500 },
        Clock { drift_ppm: 200_000, wall_offset_micros: -3_000 },
    ];
    s.faults = vec![
        Fault::ClockStep { node: NodeId(1), at: Time::from_millis(15), by_micros: -8_000 },
        Fault::ClockStep { node: NodeId(1), at: Time::from_millis(25), by_micros: 1_000 },
    ];
    let r = run(1, s);
    assert_eq!(r.clocks[1].drift_ppm, 200_000);
    let mut checked = 0;
    for (index, e) in r.trace.events.iter().enumerate() {
        if let harness::trace::EventKind::Output { node, output } = &e.kind {
            let reported: i64 = output.trim_start_matches("wall ").parse().unwrap();
            assert_eq!(r.wall_clock(*node, index), reported, "{node} at {}", e.at);
            checked += 1;
        }
    }
    assert!(checked >= 6, "both nodes reported, before and after the steps: {checked}");
    // The drifting node's monotonic clock runs 20% fast.
    assert_eq!(r.monotonic_clock(NodeId(1), Time::from_millis(10)), Time::from_millis(12));
}

#[test]
fn a_panic_stops_the_run_with_its_message_and_location() {
    let mut s = setup(2, Behaviour::PanicOnMessage, Duration::from_millis(50));
    s.factory = std::sync::Arc::new(|id| {
        Box::new(common::Node {
            behaviour: if id == NodeId(0) {
                Behaviour::TwoPingsAtStart
            } else {
                Behaviour::PanicOnMessage
            },
        })
    });
    let r = run(1, s);
    let Some(Abort::Panic { node, panic }) = r.aborted else {
        panic!("expected a panic, got {:?}", r.aborted)
    };
    assert_eq!((node, panic.handler), (NodeId(1), "on_message"));
    assert_eq!(panic.message, "this node cannot take messages");
    let location = panic.location;
    assert!(location.starts_with("harness/core/tests/common/mod.rs:"), "{location}");
    assert!(r.end < Time::from_millis(50));
}

#[test]
fn a_flood_exhausts_the_event_budget() {
    let mut s = setup(2, Behaviour::Flood, Duration::from_secs(10));
    s.budgets.max_events = 10_000;
    let r = run(1, s);
    assert!(matches!(r.aborted, Some(Abort::EventBudget { limit: 10_000, .. })), "{:?}", r.aborted);
}

#[test]
fn a_zero_delay_timer_loop_is_caught_as_no_progress() {
    let mut s = setup(1, Behaviour::ZeroDelayLoop, Duration::from_secs(1));
    s.budgets.max_events_at_one_instant = 1_000;
    let r = run(1, s);
    assert!(matches!(r.aborted, Some(Abort::NoProgress { at: Time(0), .. })), "{:?}", r.aborted);
}

#[test]
fn sending_to_a_node_that_does_not_exist_is_a_clear_error() {
    let r = run(1, setup(2, Behaviour::SendsToNowhere, Duration::from_millis(10)));
    let Some(abort) = r.aborted else { panic!("expected an abort") };
    assert_eq!(abort.to_string(), "n0 sent a message to n9, but the cluster has only n0..n1");
}

#[test]
fn messages_to_a_crashed_node_are_dropped_and_its_timers_die_with_it() {
    let mut s = setup(2, Behaviour::PingPong { peers: 1 }, Duration::from_millis(100));
    s.faults = vec![Fault::Crash { node: NodeId(1), at: Time::from_millis(25) }];
    let r = run(1, s);
    assert!(
        r.trace
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Drop { reason: DropReason::NodeDown, .. }))
    );
    assert!(!outputs(&r).iter().any(|(t, n, _)| *n == NodeId(1) && *t > Time::from_millis(25)));
    let mut s = setup(2, Behaviour::PingPong { peers: 1 }, Duration::from_millis(100));
    s.faults = vec![Fault::Crash { node: NodeId(0), at: Time::from_millis(25) }];
    let r = run(1, s);
    let last_send = r.trace.messages.iter().map(|m| m.sent_at).max().unwrap();
    assert!(last_send < Time::from_millis(30), "n0's timer stopped with it");
}

#[test]
fn json_trace_lines_are_json_objects_with_the_message() {
    let r = run(1, lossy_pings());
    for e in r.trace.events.iter().take(200) {
        let v: serde_json::Value = serde_json::from_str(&r.trace.render_json(e)).unwrap();
        assert!(v["at"].is_u64() && v["event"].is_string(), "{v}");
        if v["event"] == "send" {
            assert!(v["msg"].is_u64(), "the message id links a send to its delivery: {v}");
            assert!(v["body"]["Ping"].is_u64() || v["body"]["Pong"].is_u64(), "{v}");
            assert!(v["from"].is_u64() && v["to"].is_u64());
        }
    }
    let _ = Msg::Ping(0);
}

#[test]
fn happens_before_is_derived_from_the_trace() {
    let r = run(1, setup(3, Behaviour::PingPong { peers: 2 }, Duration::from_millis(15)));
    let events = harness::causality::outputs_with_clocks(&r);
    let out = outputs(&r);
    assert_eq!(events.len(), out.len());
    let find = |node: u32, text: &str| {
        let i = out.iter().position(|(_, n, o)| *n == NodeId(node) && o == text).unwrap();
        &events[i]
    };
    let ping1 = find(1, "ping 0 from n0");
    let ping2 = find(2, "ping 0 from n0");
    let pong1 = find(0, "pong 0 from n1");
    assert!(ping1.happened_before(pong1), "a reply follows the request it answers");
    assert!(!pong1.happened_before(ping1));
    assert!(ping1.concurrent_with(ping2), "n1 and n2 never talk to each other");
    assert!(!ping1.happened_before(ping1), "nothing happens before itself");
}

#[test]
fn every_effect_is_traced_back_to_the_handler_that_pushed_it() {
    let mut s = setup(2, Behaviour::PingPong { peers: 1 }, Duration::from_millis(50));
    s.network = Network::reliable().with_loss(Prob::percent(30));
    let r = run(4, s);
    let handlers = r.trace.handlers();
    assert_eq!(handlers.len(), r.trace.events.len());
    let mut pongs = 0;
    for (i, e) in r.trace.events.iter().enumerate() {
        match &e.kind {
            EventKind::Send { msg } => {
                let trigger = &r.trace.events[handlers[i].expect("a send has a handler")];
                match r.trace.message(*msg).msg {
                    // n0 pings from its timer; n1 answers each ping it is delivered.
                    Msg::Ping(_) => {
                        assert!(matches!(trigger.kind, EventKind::TimerFired { .. }))
                    }
                    Msg::Pong(n) => {
                        pongs += 1;
                        let EventKind::Deliver { msg: ping } = trigger.kind else {
                            panic!("a pong answers a delivery")
                        };
                        assert_eq!(r.trace.message(ping).msg, Msg::Ping(n));
                        assert_eq!(trigger.at, e.at);
                    }
                }
            }
            EventKind::Deliver { .. } | EventKind::Drop { .. } | EventKind::Start { .. } => {
                assert_eq!(handlers[i], None)
            }
            _ => {}
        }
    }
    assert!(pongs > 0);
}

#[test]
fn evidence_of_crash_stop_pause_one_way_cut_and_spikes() {
    use harness::evidence;
    let holds = |p: harness::Property<Test>, r: &Run<Test>| (p.check)(r).holds();
    let pings = || setup(2, Behaviour::PingPong { peers: 1 }, Duration::from_millis(200));

    let mut s = pings();
    s.faults = vec![Fault::Crash { node: NodeId(1), at: Time::from_millis(50) }];
    let r = run(1, s);
    assert!(holds(evidence::crashed_for_good(&[NodeId(1)]), &r));
    assert!(!holds(evidence::crashed_for_good(&[NodeId(0), NodeId(1)]), &r), "n0 never crashed");
    let mut s = pings();
    s.faults = vec![
        Fault::Crash { node: NodeId(1), at: Time::from_millis(50) },
        Fault::Restart { node: NodeId(1), at: Time::from_millis(100) },
    ];
    assert!(!holds(evidence::crashed_for_good(&[NodeId(1)]), &run(1, s)), "it came back");

    let mut s = pings();
    let pause =
        Fault::Pause { node: NodeId(1), at: Time::from_millis(50), duration: Duration(50_000) };
    s.faults = vec![pause];
    let r = run(1, s);
    assert!(holds(evidence::paused(NodeId(1)), &r));
    assert!(!holds(evidence::paused(NodeId(0)), &r));

    let mut s = pings();
    s.faults = vec![Fault::one_way(
        Time::from_millis(50),
        Some(Time::from_millis(150)),
        NodeId(0),
        NodeId(1),
    )];
    let r = run(1, s);
    // n0's pings are cut; n1 sends nothing unasked, so nothing crosses the other way.
    assert!(!holds(evidence::one_way_blocked(NodeId(0), NodeId(1)), &r));
    let mut s = setup(3, Behaviour::PingPong { peers: 2 }, Duration::from_millis(200));
    s.faults = vec![Fault::one_way(
        Time::from_millis(50),
        Some(Time::from_millis(150)),
        NodeId(1),
        NodeId(0),
    )];
    let r = run(1, s);
    // n1's pongs to n0 are cut, while n0's pings still reach n1.
    assert!(holds(evidence::one_way_blocked(NodeId(1), NodeId(0)), &r));
    assert!(!holds(evidence::one_way_blocked(NodeId(0), NodeId(2)), &r));

    let mut s = pings();
    s.network = Network::reliable().with_delay(
        Delay::uniform(Duration::from_millis(1), Duration::from_millis(5))
            .with_spikes(Prob::percent(20), Duration::from_millis(100)),
    );
    let r = run(1, s);
    assert!(holds(evidence::messages_delayed(Duration::from_millis(20)), &r));
    assert!(!holds(evidence::messages_delayed(Duration::from_millis(20)), &run(1, pings())));
}

/// A workload that writes down what it hears, and asks again after each answer.
#[derive(Default)]
struct Listener {
    heard: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl harness::Workload<Test> for Listener {
    fn start(&mut self, api: &mut harness::sim::WorkloadApi<'_, Test>) {
        // n0 is down at 5 ms (refused); n1 never answers and crashes at 30 ms.
        api.submit(Time::from_millis(5), NodeId(0), Request::Read);
        api.submit(Time::from_millis(10), NodeId(1), Request::Ignore);
        api.set_timer(Time::from_millis(20), 7);
    }

    fn on_reply(
        &mut self,
        api: &mut harness::sim::WorkloadApi<'_, Test>,
        node: NodeId,
        _: harness::RequestId,
        r: &Option<u64>,
    ) {
        self.heard.lock().unwrap().push(format!("{} reply from {node}: {r:?}", api.now()));
    }

    fn on_refused(
        &mut self,
        api: &mut harness::sim::WorkloadApi<'_, Test>,
        node: NodeId,
        id: harness::RequestId,
        _: &Request,
    ) {
        self.heard.lock().unwrap().push(format!("{} refused {id:?} by {node}", api.now()));
    }

    fn on_crash(
        &mut self,
        api: &mut harness::sim::WorkloadApi<'_, Test>,
        node: NodeId,
        open: &[harness::RequestId],
    ) {
        self.heard.lock().unwrap().push(format!("{} {node} crashed holding {open:?}", api.now()));
        // The client tries again once the node is back.
        api.submit(Time::from_millis(50), node, Request::Read);
    }

    fn on_timer(&mut self, api: &mut harness::sim::WorkloadApi<'_, Test>, timer: u64) {
        self.heard.lock().unwrap().push(format!("{} timer {timer}", api.now()));
    }
}

#[test]
fn a_workload_hears_of_refusals_crashes_and_its_timers() {
    let listener = Listener::default();
    let heard = listener.heard.clone();
    let mut s = setup(2, Behaviour::Store, Duration::from_millis(100));
    s.workload = Box::new(listener);
    s.faults = vec![
        Fault::Crash { node: NodeId(0), at: Time::from_millis(1) },
        Fault::Crash { node: NodeId(1), at: Time::from_millis(30) },
        Fault::Restart { node: NodeId(1), at: Time::from_millis(40) },
    ];
    let run = Simulation::new(1, s).run();
    assert_eq!(
        *heard.lock().unwrap(),
        vec![
            "0.005000s refused RequestId(0) by n0".to_string(),
            "0.020000s timer 7".to_string(),
            "0.030000s n1 crashed holding [RequestId(1)]".to_string(),
            "0.050000s reply from n1: None".to_string(),
        ]
    );
    // In the history, n1's request after the crash belongs to a fresh process (Jepsen's rule).
    let h = history(&run);
    let procs: Vec<(u64, bool)> =
        h.ops.iter().map(|o| (o.process, matches!(o.outcome, Outcome::Info(None)))).collect();
    assert_eq!(procs, vec![(0, false), (1, true), (3, false)], "{h:?}");
}
