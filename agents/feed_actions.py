"""What a persona does with one post in its social feed: like, repost, reply, quote or scroll past.

A model that can decide chooses through structured output; otherwise the rules choose (as in a
room: reaction propensity, talkativeness, tone) and the backend only writes the text.
"""

from __future__ import annotations

from agents import rules
from agents.agent import Agent, Outcome
from agents.appraisal import NEUTRAL, STANCE_BAND
from agents.context import DecisionContext
from agents.decisions import FEED_CHOICE, IGNORE, Decision, FeedAction
from agents.llm import CallRecord
from agents.prompts import render_message

LIKE, REPOST = "❤️", "🔁"



def _feed(context: DecisionContext) -> str:
    return "\n".join(render_message(m) for m in context.window)


def feed_prompt(context: DecisionContext) -> str:
    return (
        f"Your feed right now, top first:\n{_feed(context)}\n\n"
        f"Consider post id {context.trigger.id}. Like it, repost it to your followers, reply "
        "to it, quote it with your own comment, or scroll past (ignore), as you really would."
    )


def write_prompt(context: DecisionContext, action: str) -> str:
    how = "a quote post: your own comment on top of it" if action == "quote" else "a reply to it"
    return (
        f"Your feed right now, top first:\n{_feed(context)}\n\n"
        f"Write {how} (post id {context.trigger.id}): one or two sentences, in your voice, "
        "with no name prefix."
    )


def post_prompt(context: DecisionContext) -> str:
    return (
        f"Your feed right now, top first:\n{_feed(context)}\n\n"
        "Write a new post of your own, about whatever is on your mind: one or two sentences, "
        "in your voice, with no name prefix."
    )


def _as_outcome(choice: FeedAction, text: str | None, base: Outcome) -> Outcome:
    if choice in ("like", "repost"):
        decision = Decision(
            action="react", emoji=LIKE if choice == "like" else REPOST, reason=choice
        )
    elif choice in ("reply", "quote"):
        decision = Decision(action="reply", text=text, reason=choice)
    else:
        decision = IGNORE
    return Outcome(decision, base.source, base.calls, base.error, payload=choice)


FEED_REPLY_BASE, FEED_REPLY_FEELING, FEED_REPLY_MAX = 0.03, 0.6, 0.5


def rules_choice(agent: Agent, context: DecisionContext) -> FeedAction:
    """Rules for a feed, read from how the post strikes the persona: one that touches them hard
    (relevance × how strongly they feel) draws a reply or a quote (more often a quote, to their
    own followers, when they object); one they like a lot a repost, one they mildly like a like;
    one they dislike no like; the rest is scrolled past. Unlike a room's conversation, nobody in
    a feed waits for their answer: most people scroll on, so replies are rarer than in a room."""
    seen = context.appraisal or NEUTRAL
    rng = rules.rng_for(context.seed, agent.persona.id, context.trigger.id, "feed")
    feeling = seen.relevance * abs(seen.valence)
    reply = 1.0 if context.replied_to_me else min(
        FEED_REPLY_MAX, FEED_REPLY_BASE + FEED_REPLY_FEELING * feeling)
    react = (1 - reply) * min(
        0.9, agent.persona.activity.reaction_propensity * (0.4 + 1.6 * seen.relevance))
    roll = rng.random()
    if roll < reply:
        return "quote" if rng.random() < (0.4 if seen.stance == "against" else 0.2) else "reply"
    if roll < reply + react and seen.valence > -STANCE_BAND:
        strongly = seen.valence > 0.4 and seen.relevance > 0.4
        return "repost" if strongly and rng.random() < 0.5 else "like"
    return "ignore"


async def choose_feed_action(agent: Agent, context: DecisionContext) -> Outcome:
    if agent.llm.decides:
        calls: list[CallRecord] = []
        choice, problem = await agent.structured(
            context, feed_prompt(context), FEED_CHOICE, "decide", calls
        )
        if choice is None:
            return Outcome(IGNORE, "fallback", calls, problem, payload="ignore")
        if choice.action in ("reply", "quote"):
            cleaned = agent.finish_text(choice.text or "")
            if not cleaned:
                return Outcome(
                    IGNORE, "fallback", calls, "reply was empty after cleaning", "ignore"
                )
            return _as_outcome(choice.action, cleaned, Outcome(IGNORE, "model", calls))
        return _as_outcome(choice.action, None, Outcome(IGNORE, "model", calls))
    action = rules_choice(agent, context)
    if action not in ("reply", "quote"):
        return _as_outcome(action, None, Outcome(IGNORE, "rules"))
    written = await agent.write(context, write_prompt(context, action), reason=action)
    if written.decision.action != "reply":
        return Outcome(IGNORE, "fallback", written.calls, written.error, payload="ignore")
    return _as_outcome(action, written.decision.text, written)


async def write_post(agent: Agent, context: DecisionContext) -> Outcome:
    """A poster's own new post; the feed it just read is what is on its mind."""
    written = await agent.write(context, post_prompt(context), reason="post")
    return Outcome(
        written.decision,
        written.source,
        written.calls,
        written.error,
        payload="post" if written.decision.action == "reply" else "ignore",
    )
