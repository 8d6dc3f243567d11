"""A member's vote on a motion: structured output from a model that can decide, rules otherwise.

The rules read what the member said on the item (agents.tone) and, failing that, their
stances on the topic, so a history-backed or local-model board still votes in character.
"""

from __future__ import annotations

import re
from html import escape

from agents.agent import Agent, Outcome, Source
from agents.context import DecisionContext
from agents.decisions import VOTE, Decision, Vote, VoteChoice
from agents.llm import CallRecord
from agents.persona import Persona
from agents.sanitize import first_sentences
from agents.tone import stance

LABEL = {"for": "For", "against": "Against", "abstain": "Abstain"}
BALLOT = "🗳️"


# How a board member leans, beyond plain positive/negative words: doubts (questions, risk, proof,
# payback) against appetite (growth, bold, ready). Rules only; a model that decides votes itself.
_DOUBT = re.compile(
    r"\?|\b(distrust\w*|cautious|rather|hates?|measur\w*|substantiat\w*|"
    r"lawsuits?|payback|runway|alternatives|load-test|unless|only if)\b",
    re.IGNORECASE,
)
_APPETITE = re.compile(
    r"\b(loves?|believes?|enthusiastic|bold|big|window|growth|ready|ship it|"
    r"happy|finally|in if|opportunity)\b",
    re.IGNORECASE,
)


def lean(text: str) -> int:
    return 2 * stance(text) + len(_APPETITE.findall(text)) - len(_DOUBT.findall(text))


def vote_prompt(context: DecisionContext, motion: str, said: tuple[str, ...]) -> str:
    mine = "\n".join(f"- {escape(t, quote=False)}" for t in said[-4:]) or "- (nothing yet)"
    return (
        f"The chair has called a vote on this motion:\n<motion>{escape(motion, quote=False)}"
        f"</motion>\n\nWhat you said on it:\n{mine}\n\n"
        "Vote for, against or abstain, with one line on why, in your voice."
    )


def rules_vote(persona: Persona, said: tuple[str, ...], unanswered: int = 0) -> Vote:
    """For backends that cannot decide: how what they said leans, then their stances; a question
    the presenter left unanswered counts against."""
    stances = [f"{topic}: {stance}" for topic, stance in persona.stances.items()]
    # Stances are where they stand for good; what they said on the item tips the balance.
    score = sum(lean(t) for t in said) + 2 * sum(lean(t) for t in stances) - 2 * unanswered
    if score == 0:
        return Vote(vote="abstain", reason="I have not heard enough to decide either way.")
    choice: VoteChoice = "for" if score > 0 else "against"
    sign = 1 if score > 0 else -1
    basis = max([*said, *stances], key=lambda t: sign * lean(t), default="")
    if unanswered and choice == "against" and sign * lean(basis) <= 0:
        basis = "My question was not answered."
    return Vote(vote=choice, reason=first_sentences(basis, 1)[:300])


def ballot_text(vote: Vote) -> str:
    """How a vote reads in the room."""
    return f"{BALLOT} {LABEL[vote.vote]}" + (f" — {vote.reason}" if vote.reason else "")


def one_line(vote: Vote) -> Vote:
    """A reason is one line: models sometimes write paragraphs."""
    return vote.model_copy(update={"reason": " ".join(vote.reason.split())[:300]})


async def cast_vote(
    agent: Agent, context: DecisionContext, motion: str, said: tuple[str, ...], unanswered: int = 0
) -> Outcome:
    """The member's vote as an Outcome: a reply that shows the ballot, with the Vote as payload."""
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
        vote = rules_vote(agent.persona, said, unanswered)
    vote = one_line(vote)
    decision = Decision(action="reply", text=ballot_text(vote), reason=f"vote: {vote.vote}")
    return Outcome(decision, source, calls, error, payload=vote)
