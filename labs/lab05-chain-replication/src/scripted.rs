//! A scripted chain member: a harness-provided process that plays a node's part by fixed rules,
//! to force the interleavings that random runs rarely reach (a member that dies holding writes it
//! never passed on, a removed member whose old message arrives late).

use crate::{ChainKv, Configuration, MembershipMsg, Message, Timer};
use harness::{Ctx, Duration, NodeId, Process, Time};

/// A member that heartbeats until `silent_from` (from then on, the control plane sees it as
/// crashed), optionally relays writes (and swallows the acks that come back), and sends
/// scripted messages at fixed times.
#[derive(Clone, Debug)]
pub struct ScriptedPeer {
    /// The control plane.
    pub control: NodeId,
    /// How often it heartbeats.
    pub heartbeat: Duration,
    /// When it falls silent: no more heartbeats, no more relaying.
    pub silent_from: Time,
    /// Whether, until then, it passes the writes it gets on to its successor (keeping every ack
    /// to itself), or swallows them. Either way it answers a `Resume` with an empty `Catchup`.
    pub relays: bool,
    /// (when, to whom, what), in time order.
    pub sends: Vec<(Time, NodeId, Message)>,
    config: Option<Configuration>,
}

impl ScriptedPeer {
    /// A peer that relays (or swallows) writes until `silent_from`, and sends nothing scripted.
    pub fn new(control: NodeId, heartbeat: Duration, silent_from: Time, relays: bool) -> Self {
        ScriptedPeer { control, heartbeat, silent_from, relays, sends: Vec::new(), config: None }
    }

    /// The same peer, also sending `msg` to `to` at `at`.
    pub fn sending(mut self, at: Time, to: NodeId, msg: Message) -> Self {
        self.sends.push((at, to, msg));
        self.sends.sort_by_key(|(t, _, _)| *t);
        self
    }

    fn alive(&self, ctx: &Ctx<'_, ChainKv>) -> bool {
        ctx.now() < self.silent_from
    }
}

impl Process<ChainKv> for ScriptedPeer {
    fn on_start(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        ctx.send(self.control, MembershipMsg::Heartbeat { epoch: 0 }.into());
        ctx.set_timer(self.heartbeat, Timer::Heartbeat);
        // One timer per scripted send; they fire in the script's order.
        for (at, _, _) in &self.sends {
            ctx.set_timer(Duration(at.as_micros()), Timer::Resend);
        }
        self.sends.reverse();
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ChainKv>, timer: Timer) {
        match timer {
            Timer::Heartbeat if self.alive(ctx) => {
                let epoch = self.config.as_ref().map_or(0, |c| c.epoch);
                ctx.send(self.control, MembershipMsg::Heartbeat { epoch }.into());
                ctx.set_timer(self.heartbeat, Timer::Heartbeat);
            }
            Timer::Resend => {
                if let Some((_, to, msg)) = self.sends.pop() {
                    ctx.send(to, msg);
                }
            }
            _ => {}
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, ChainKv>, from: NodeId, msg: Message) {
        if let Message::Membership(MembershipMsg::Config(c)) = msg {
            if self.config.as_ref().is_none_or(|old| c.epoch > old.epoch) {
                self.config = Some(c);
            }
            return;
        }
        if !self.alive(ctx) {
            return;
        }
        let Some(config) = &self.config else { return };
        let (me, epoch) = (ctx.id(), config.epoch);
        match msg {
            Message::Forward { writes, .. } if self.relays && config.before(me) == Some(from) => {
                if let Some(next) = config.after(me) {
                    ctx.send(next, Message::Forward { epoch, writes });
                }
            }
            Message::Resume { .. } if config.after(me) == Some(from) => {
                ctx.send(from, Message::Catchup { epoch, writes: Vec::new(), acked: 0 });
            }
            _ => {}
        }
    }
}
