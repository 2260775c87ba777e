//! What every run of lab 00 must satisfy, judged from the trace: the requests the application
//! made, the packets on the wire and the deliveries the nodes reported. Nothing here trusts a
//! node's account of itself.

use crate::{Delivery, Links, Packet, SendRequest, Timing};
use harness::trace::{EventKind, Trace};
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::BTreeMap;

type Link = (NodeId, NodeId);

/// The messages the application asked to send on each link, in order: (time, payload).
fn requested(trace: &Trace<Links>) -> BTreeMap<Link, Vec<(Time, u64)>> {
    let mut sent: BTreeMap<Link, Vec<(Time, u64)>> = BTreeMap::new();
    for e in &trace.events {
        if let EventKind::Request { node, request: SendRequest { to, payload }, .. } = &e.kind {
            sent.entry((*node, *to)).or_default().push((e.at, *payload));
        }
    }
    sent
}

/// How a report names a message: by its sequence number on its link.
fn ordinal(k: usize) -> String {
    format!("seq {k}")
}

/// Every message is delivered at most once, in the order it was sent, and nothing is delivered
/// that was not sent.
pub fn exactly_once_in_order() -> Property<Links> {
    Property::safety(
        "exactly once, in order",
        "On every link, the messages the receiver delivers are, at every moment, a prefix of the \
         messages the application asked the sender to send: no duplicates, no gaps filled out of \
         order, nothing invented.",
        "delivering a retransmitted or duplicated packet again (no deduplication); delivering a \
         packet that arrived early instead of holding it until the gap before it is filled; \
         forgetting what was delivered when the receiver restarts.",
        |run: &Run<Links>| {
            let mut sent: BTreeMap<Link, Vec<u64>> = BTreeMap::new();
            let mut delivered: BTreeMap<Link, usize> = BTreeMap::new();
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Request { node, request, .. } => {
                        sent.entry((*node, request.to)).or_default().push(request.payload);
                    }
                    EventKind::Output { node, output: Delivery { from, payload } } => {
                        let link = (*from, *node);
                        let k = delivered.entry(link).or_default();
                        let on_link = sent.get(&link).map(Vec::as_slice).unwrap_or(&[]);
                        let (r, s) = (node, from);
                        let verdict = match on_link.get(*k) {
                            Some(expected) if expected == payload => None,
                            Some(expected) => {
                                let earlier = on_link[..*k].iter().position(|p| p == payload);
                                let later = on_link[*k..].iter().position(|p| p == payload);
                                Some(match (earlier, later) {
                                    (Some(j), _) => format!(
                                        "{r} delivered payload {payload} from {s} while {} \
                                         (payload {expected}) was due next; {payload} is {}, \
                                         already delivered: a duplicate",
                                        ordinal(*k),
                                        ordinal(j)
                                    ),
                                    (None, Some(j)) => format!(
                                        "{r} delivered {} (payload {payload}) from {s} before {} \
                                         (payload {expected}): out of order",
                                        ordinal(*k + j),
                                        ordinal(*k)
                                    ),
                                    (None, None) => format!(
                                        "{r} delivered payload {payload} from {s}, which {s} was \
                                         never asked to send to {r}"
                                    ),
                                })
                            }
                            None => Some(format!(
                                "{r} delivered payload {payload} from {s} as {}, but {s} was \
                                 asked to send only {} messages to {r}: a duplicate",
                                ordinal(*k),
                                on_link.len()
                            )),
                        };
                        if let Some(evidence) = verdict {
                            return Verdict::fails_at(e.at, evidence);
                        }
                        *k += 1;
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// How long after the faults end every message must be delivered: one retransmission interval,
/// one network delay, and a millisecond of slack.
pub fn settle_bound(timing: Timing, max_delay: Duration) -> Duration {
    timing.retransmit_after + max_delay + Duration::from_millis(1)
}

/// Every message is delivered within the bound after both its send and the end of the faults.
pub fn delivered_in_time(timing: Timing, max_delay: Duration) -> Property<Links> {
    let bound = settle_bound(timing, max_delay);
    let definition = "Every message is delivered by max(its send time, the end of the faults) + \
         retransmit_after + the quiet network's maximum delay + 1 ms: once the network behaves, \
         one retransmission must get every missing message through.";
    Property::new(
        "delivered in time",
        definition,
        "not retransmitting (or only once); a retransmission timer that is not re-armed after it \
         fires; a receiver that drops packets arriving ahead of a gap instead of keeping them; a \
         receiver that forgets after a restart which messages it delivered, and waits for \
         sequence numbers the sender will never send again; acknowledging messages not yet \
         delivered, so the sender stops retransmitting them.",
        move |run: &Run<Links>| {
            let q = run.trace.faults_end();
            let requested = requested(&run.trace);
            let mut delivered: BTreeMap<Link, Vec<Time>> = BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Output { node, output } = &e.kind {
                    delivered.entry((output.from, *node)).or_default().push(e.at);
                }
            }
            let mut worst: Option<(Time, String)> = None;
            for (&(s, r), msgs) in &requested {
                let got = delivered.get(&(s, r)).map(Vec::as_slice).unwrap_or(&[]);
                for (k, &(sent_at, payload)) in msgs.iter().enumerate() {
                    let deadline = sent_at.max(q) + bound;
                    let late = match got.get(k) {
                        Some(&at) if at <= deadline => continue,
                        Some(&at) => format!("was delivered only at {at}"),
                        None if run.end < deadline => continue,
                        None => "was never delivered".to_string(),
                    };
                    if worst.as_ref().is_none_or(|(t, _)| deadline < *t) {
                        worst = Some((
                            deadline,
                            format!(
                                "{s}->{r} {} (payload {payload}), sent at {sent_at}, {late}; the \
                                 faults ended at {q}, so it was due by {deadline} ({bound} later)",
                                ordinal(k)
                            ),
                        ));
                    }
                }
            }
            match worst {
                None => Verdict::Holds,
                Some((at, evidence)) => Verdict::fails_at(at, evidence),
            }
        },
    )
}

/// For the search: once nothing more can happen, every message has been delivered.
pub fn all_delivered() -> Property<Links> {
    Property::new(
        "all delivered at rest",
        "When the search reaches a state where nothing more can happen (no packet in flight, no \
         timer pending, no message left to send), every message has been delivered: the run \
         is over, and a missing message will never come.",
        "acknowledging a message that was not delivered, so the sender stops retransmitting it; \
         no retransmission timer; cancelling timers that still have work to do.",
        |run: &Run<Links>| {
            let mut delivered: BTreeMap<Link, usize> = BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Output { node, output } = &e.kind {
                    *delivered.entry((output.from, *node)).or_default() += 1;
                }
            }
            for (&(s, r), msgs) in &requested(&run.trace) {
                let got = delivered.get(&(s, r)).copied().unwrap_or(0);
                if got < msgs.len() {
                    return Verdict::fails(format!(
                        "nothing more can happen, and {s}->{r} {} (payload {}) was never \
                         delivered",
                        ordinal(got),
                        msgs[got].1
                    ));
                }
            }
            Verdict::Holds
        },
    )
}

/// Data packets carry the message the contract says their sequence number stands for.
pub fn packets_follow_the_contract() -> Property<Links> {
    Property::safety(
        "packets follow the contract",
        "A Data packet with seq k from s to r carries the k-th message (counting from 0) that the \
         application asked s to send to r; an Ack's next never exceeds the number of messages \
         sent on its link.",
        "numbering from 1 instead of 0; one counter shared by all receivers instead of one per \
         receiver; sending a message before the application asked for it.",
        |run: &Run<Links>| {
            let mut sent: BTreeMap<Link, Vec<u64>> = BTreeMap::new();
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Request { node, request, .. } => {
                        sent.entry((*node, request.to)).or_default().push(request.payload);
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(*msg);
                        let problem = match m.msg {
                            Packet::Ack { next: n } => {
                                // An ack from r to s speaks of the link s -> r.
                                let on_link = sent.get(&(m.to, m.from)).map_or(0, Vec::len);
                                (n > on_link as u64).then(|| {
                                    format!(
                                        "{} sent Ack {{ next: {n} }} to {}, but only {on_link} \
                                         messages were ever sent to it on that link",
                                        m.from, m.to
                                    )
                                })
                            }
                            Packet::Data { seq: n, payload } => {
                                let on_link =
                                    sent.get(&(m.from, m.to)).map(Vec::as_slice).unwrap_or(&[]);
                                match on_link.get(n as usize) {
                                    Some(&p) if p == payload => None,
                                    Some(&p) => Some(format!(
                                        "{} sent Data {{ seq: {n}, payload: {payload} }} to {}, but \
                                     the message with seq {n} on that link is payload {p}",
                                        m.from, m.to
                                    )),
                                    None => Some(format!(
                                        "{} sent Data {{ seq: {n}, payload: {payload} }} to {}, but \
                                     it had been asked to send only {} messages to {}",
                                        m.from,
                                        m.to,
                                        on_link.len(),
                                        m.to
                                    )),
                                }
                            }
                        };
                        if let Some(p) = problem {
                            return Verdict::fails_at(e.at, p);
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// An acknowledgement never covers a message the receiver has not delivered.
pub fn acks_only_what_was_delivered() -> Property<Links> {
    Property::safety(
        "acks only what was delivered",
        "When r sends Ack { next: n } to s, r has already delivered messages 0..n from s. An ack \
         is a promise: the sender forgets what it covers.",
        "acknowledging a packet on arrival while it waits in the reorder buffer; acknowledging \
         the highest sequence number seen instead of the next one expected; sending the ack \
         before the delivery in the handler.",
        |run: &Run<Links>| {
            let mut delivered: BTreeMap<Link, u64> = BTreeMap::new();
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Output { node, output } => {
                        *delivered.entry((output.from, *node)).or_default() += 1;
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(*msg);
                        if let Packet::Ack { next } = m.msg {
                            let done = delivered.get(&(m.to, m.from)).copied().unwrap_or(0);
                            if next > done {
                                return Verdict::fails_at(
                                    e.at,
                                    format!(
                                        "{} sent Ack {{ next: {next} }} to {}, but had delivered \
                                         only {done} messages from it",
                                        m.from, m.to
                                    ),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// A sender never sends a message again once an acknowledgement covering it has arrived.
pub fn no_resend_after_ack() -> Property<Links> {
    Property::safety(
        "no resend after ack",
        "Once an Ack { next: n } from r has reached s, s never sends Data with seq < n to r again.",
        "a retransmission timer that is not cancelled (or not checked) when the ack arrives; \
         retransmitting everything ever sent instead of what is unacknowledged.",
        |run: &Run<Links>| {
            let mut acked: BTreeMap<Link, (u64, Time)> = BTreeMap::new();
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(*msg);
                        if let Packet::Ack { next } = m.msg {
                            let a = acked.entry((m.to, m.from)).or_insert((0, e.at));
                            if next > a.0 {
                                *a = (next, e.at);
                            }
                        }
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(*msg);
                        if let Packet::Data { seq, .. } = m.msg {
                            if let Some(&(next, when)) = acked.get(&(m.from, m.to)) {
                                if seq < next {
                                    return Verdict::fails_at(
                                        e.at,
                                        format!(
                                            "{} sent Data {{ seq: {seq} }} to {} again, after \
                                             Ack {{ next: {next} }} from {} reached it at {when}",
                                            m.from, m.to, m.to
                                        ),
                                    );
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// The same data packet is not sent twice within one retransmission interval.
pub fn retransmissions_paced(timing: Timing) -> Property<Links> {
    let interval = timing.retransmit_after;
    Property::new(
        "retransmissions are paced",
        "A sender sends the same Data packet again only after retransmit_after has passed since \
         it last sent it.",
        "sending each packet several times up front; retransmitting on every ack or every \
         packet that arrives; setting a new timer for a message that already has one.",
        move |run: &Run<Links>| {
            let mut last: BTreeMap<(NodeId, NodeId, u64), Time> = BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Send { msg } = &e.kind {
                    let m = run.trace.message(*msg);
                    if let Packet::Data { seq, .. } = m.msg {
                        if let Some(prev) = last.insert((m.from, m.to, seq), e.at) {
                            if e.at - prev < interval {
                                return Verdict::fails_at(
                                    e.at,
                                    format!(
                                        "{} sent Data {{ seq: {seq} }} to {} at {prev} and again \
                                         {} later; retransmit_after is {interval}",
                                        m.from,
                                        m.to,
                                        e.at - prev
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Acknowledgements answer data packets: no more acks than data packets received.
pub fn acks_answer_data() -> Property<Links> {
    Property::safety(
        "acks answer data",
        "A receiver sends at most one Ack for each Data packet that reaches it: acks are replies, \
         not a background chatter.",
        "acknowledging on a timer; sending an ack to every peer on every event; answering an Ack \
         with an Ack.",
        |run: &Run<Links>| {
            let mut data_in: BTreeMap<Link, u64> = BTreeMap::new();
            let mut acks_out: BTreeMap<Link, u64> = BTreeMap::new();
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(*msg);
                        if let Packet::Data { .. } = m.msg {
                            *data_in.entry((m.from, m.to)).or_default() += 1;
                        }
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(*msg);
                        if let Packet::Ack { .. } = m.msg {
                            let acks = acks_out.entry((m.to, m.from)).or_default();
                            *acks += 1;
                            let data = data_in.get(&(m.to, m.from)).copied().unwrap_or(0);
                            if *acks > data {
                                return Verdict::fails_at(
                                    e.at,
                                    format!(
                                        "{} has sent {} acks to {} but received only {data} \
                                         data packets from it",
                                        m.from, acks, m.to
                                    ),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// The properties every lab 00 scenario checks, after the harness's own two.
pub fn all(timing: Timing, max_delay: Duration) -> Vec<Property<Links>> {
    vec![
        exactly_once_in_order(),
        delivered_in_time(timing, max_delay),
        packets_follow_the_contract(),
        acks_only_what_was_delivered(),
        no_resend_after_ack(),
        retransmissions_paced(timing),
        acks_answer_data(),
    ]
}

/// Quiet time a scenario leaves after its faults end, enough for the slowest legal timing.
pub fn settle_time(max_delay: Duration) -> Duration {
    let slowest = Timing { retransmit_after: Timing::RETRANSMIT_RANGE.1 };
    settle_bound(slowest, max_delay) + Duration::from_millis(50)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settle_time_covers_the_slowest_legal_timing() {
        let d = Duration::from_millis(5);
        assert!(
            settle_time(d)
                > settle_bound(Timing { retransmit_after: Timing::RETRANSMIT_RANGE.1 }, d)
        );
    }
}
