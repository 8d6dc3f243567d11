"""A member's vote on a motion: structured output from a model that can decide, rules otherwise.

The rules vote on the item itself: how the motion strikes the member (the appraisal: which of
their concerns or values it hits), moved by what they argued in the debate, by questions the
presenter left unanswered, and by the cases other members made. A member with no stake of their
own votes against when several members argued against it (counsel on a legal risk, the CFO on the
cash), no fewer than argued for it; a lone objection gives them pause; otherwise routine business
carries. The reason always names the concern or value at stake, theirs or the objector's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from agents.agent import Agent, Outcome, Source
from agents.appraisal import NEUTRAL, Appraisal, own_lean
from agents.context import DecisionContext
from agents.decisions import VOTE, Decision, Vote, VoteChoice
from agents.llm import CallRecord
from agents.persona import Persona

LABEL = {"for": "For", "against": "Against", "abstain": "Abstain"}
BALLOT = "🗳️"
SAID_WEIGHT = 0.35  # what they argued in the debate moves the vote, the item decides it
UNANSWERED_WEIGHT = 0.25  # each question the presenter left unanswered counts against
ROUTINE_BELOW = 0.3  # a motion this little relevant to them is routine business
AGAINST_AT, FOR_AT = -0.15, 0.12
STAND_AT = 0.4  # a member who spoke this strongly for or against the motion made a case
OBJECTION_WEIGHT = 0.3  # the strongest case against weighs a little with those who have a stake


@dataclass(frozen=True)
class Stand:
    """A member who argued the motion in the debate: which way, how strongly, and the concern
    or value of theirs it hit."""

    name: str
    reason: str
    lean: float  # -1 … +1: against … for


def _heard(stands: tuple[Stand, ...], me: str) -> tuple[list[Stand], list[Stand]]:
    """The cases against (strongest first) and for that others made in the debate."""
    others = [s for s in stands if s.name != me]
    return (sorted((s for s in others if s.lean < 0), key=lambda s: s.lean),
            [s for s in others if s.lean > 0])


def vote_prompt(context: DecisionContext, motion: str, said: tuple[str, ...]) -> str:
    mine = "\n".join(f"- {escape(t, quote=False)}" for t in said[-4:]) or "- (nothing yet)"
    return (
        f"The chair has called a vote on this motion:\n<motion>{escape(motion, quote=False)}"
        f"</motion>\n\nWhat you said on it:\n{mine}\n\n"
        "Vote for, against or abstain, with one line on why, in your voice."
    )


def rules_vote(persona: Persona, motion: Appraisal, said: tuple[str, ...] = (),
               unanswered: int = 0, stands: tuple[Stand, ...] = ()) -> Vote:
    """For backends that cannot decide: the vote and its reason, from the motion's appraisal."""
    against, support = _heard(stands, persona.name)
    if motion.relevance < ROUTINE_BELOW and not unanswered:  # not theirs to argue about
        return _no_stake_vote(against, support)
    heard = against[0] if against else None
    argued = sum(own_lean(persona, t) for t in said) / len(said) if said else 0.0
    score = (motion.lean + SAID_WEIGHT * argued - UNANSWERED_WEIGHT * unanswered
             + OBJECTION_WEIGHT * (heard.lean if heard else 0.0))
    at_stake = motion.reason
    choice: VoteChoice
    if score <= AGAINST_AT:
        choice = "against"
        if motion.why == "concern":
            reason = f"it means {at_stake}."
        elif unanswered:
            reason = "my question was not answered."
        elif heard is not None:
            reason = _sides_with(heard)
        else:
            reason = f"{at_stake or 'what I heard'} does not persuade me."
    elif score >= FOR_AT:
        choice = "for"
        reason = (f"it brings {at_stake}." if motion.why == "value"
                  else "it is sound, and I heard nothing against it.")
    else:
        choice = "abstain"
        if at_stake:
            reason = f"it touches {at_stake}, but I am not persuaded either way."
        else:
            reason = _paused_by(heard) if heard else "I have not heard enough to decide either way."
    return _vote(choice, reason)


def _no_stake_vote(against: list[Stand], support: list[Stand]) -> Vote:
    """A member the motion does not touch: routine business carries; a lone objection heard in
    the debate gives them pause, and objections from several members, no fewer than spoke for
    it, carry them."""
    if not against:
        return _vote("for", "routine business; it touches none of my concerns.")
    if len(against) >= 2 and len(against) >= len(support):
        return _vote("against", _sides_with(against[0]))
    return _vote("abstain", _paused_by(against[0]))


def _sides_with(objector: Stand) -> str:
    return f"{objector.name} is right: it means {objector.reason}."


_SIDED = re.compile(r"^(?P<who>.+?) is right: (?P<what>it means .+)$")  # read back: _sides_with


def whose_objection(name: str, reason: str) -> tuple[str, str]:
    """An objection and who raised it: a vote that sides with another member's objection
    ("Priya Raman is right: it means …") is that member's, not a second one."""
    sided = _SIDED.match(reason)
    if sided is None:
        return name, reason
    what = sided["what"]
    return sided["who"], what[0].upper() + what[1:]


def _paused_by(objector: Stand) -> str:
    return f"{objector.name} raised {objector.reason}; I am not persuaded either way."


def _vote(choice: VoteChoice, reason: str) -> Vote:
    return Vote(vote=choice, reason=reason[0].upper() + reason[1:])


def ballot_text(vote: Vote) -> str:
    """How a vote reads in the room."""
    return f"{BALLOT} {LABEL[vote.vote]}" + (f" — {vote.reason}" if vote.reason else "")


def one_line(vote: Vote) -> Vote:
    """A reason is one line: models sometimes write paragraphs."""
    return vote.model_copy(update={"reason": " ".join(vote.reason.split())[:300]})


async def cast_vote(agent: Agent, context: DecisionContext, motion: str, said: tuple[str, ...],
                    unanswered: int = 0, item: Appraisal | None = None,
                    stands: tuple[Stand, ...] = ()) -> Outcome:
    """The member's vote as an Outcome: a reply that shows the ballot, with the Vote as payload.
    `item`: how the member takes the motion, `stands`: the cases made in the debate (for the
    rules; a model reads the motion and the debate itself)."""
    calls: list[CallRecord] = []
    source: Source = "rules"
    error = None
    vote = None
    if agent.llm.decides:
        vote, error = await agent.structured(
            context, vote_prompt(context, motion, said), VOTE, "vote", calls
        )
        source = "model" if vote is not None else "fallback"
    if vote is None:  # rules for backends that cannot decide, and a safe vote when a model fails
        vote = rules_vote(agent.persona, item or context.appraisal or NEUTRAL, said, unanswered,
                          stands)
    vote = one_line(vote)
    decision = Decision(action="reply", text=ballot_text(vote), reason=f"vote: {vote.vote}")
    return Outcome(decision, source, calls, error, payload=vote)
