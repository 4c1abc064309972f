"""The contract's JSON shapes of engagements, timelines and boards."""

from __future__ import annotations

from typing import Any

from ..domain.engagement import Engagement


def engagement_json(engagement: Engagement) -> dict[str, Any]:
    """``GET /engagements/{id}``: the engagement with every item, answer and judgement."""
    cycle = engagement.cycle
    return {
        "id": str(engagement.id),
        "title": engagement.title,
        "bank": dict(engagement.bank),
        "connector": dict(engagement.connector),
        "edition": engagement.edition,
        "state": engagement.state,
        "cycle": {"number": cycle["number"], "reason": cycle["reason"], "items": list(cycle["items"])},
        "version": engagement.version,
        "next_review_on": engagement.next_review_on,
        "items": [
            {
                "number": item["number"],
                "objective": item["objective"],
                "party": item["party"],
                "category": item["category"],
                "custom": item["custom"],
                "explanation": item.get("explanation", ""),
                "methods": item.get("methods", []),
                "references": item.get("references", []),
                "dropped": {"reason": item["dropped"]["reason"]} if item["dropped"] else None,
                "in_cycle": item["number"] in cycle["items"],
                "answer": item["answer"],
                "answers": dict(item["answers"]),
                "judgement": item["judgement"],
                "evidence": item.get("evidence", []),
                "open_questions": engagement.open_questions(item["number"]),
            }
            for item in engagement.items
        ],
        "monitoring_plan": _plan(engagement),
        "decision": _decision(engagement),
        "conditions": [_condition(c) for c in engagement.conditions],
        "questions": [
            {"id": q["id"], "item": q["item"], "cycle": q["cycle"], "open": q["open"], "posts": q["posts"]}
            for q in engagement.questions
        ],
        "advisories": [
            {
                "id": a["id"],
                "title": a["title"],
                "items": a["items"],
                "respond_by": a["respond_by"],
                "acknowledgement": a["acknowledgement"],
            }
            for a in engagement.advisories
        ],
    }


def _plan(engagement: Engagement) -> dict[str, Any] | None:
    plan = engagement.monitoring_plan
    if plan is None:
        return None
    return {
        **{key: plan[key] for key in ("frequency_months", "depth", "items", "note", "status")},
        "proposed_by": {key: plan["proposed_by"][key] for key in ("id", "name", "org", "side", "at")},
        "agreed_by": {key: plan["agreed_by"][key] for key in ("id", "name", "org", "at")} if plan["agreed_by"] else None,
        "next_review_on": engagement.next_review_on,
    }


def _condition(condition: dict[str, Any]) -> dict[str, Any]:
    return {key: condition[key] for key in ("id", "text", "items", "due_on", "fulfilled")}


def _decision(engagement: Engagement) -> dict[str, Any] | None:
    decision = engagement.decision
    if decision is None:
        return None
    return {
        "outcome": decision["outcome"],
        "comment": decision["comment"],
        "conditions": [_condition(c) for c in engagement.decision_conditions(decision)],
        "decided_on": decision["decided_on"],
        "by": decision["by"],
        "at": decision["at"],
    }


def summary_json(row: dict[str, Any]) -> dict[str, Any]:
    """One board row as ``GET /engagements`` lists it."""
    return {
        "id": row["engagement_id"],
        "title": row["title"],
        "bank": {"id": row["bank_id"], "name": row["bank_name"]},
        "connector": {"id": row["connector_id"], "name": row["connector_name"]},
        "state": row["state"],
        "cycle": {"number": row["cycle"], "reason": row["cycle_reason"]},
        "version": row["version"],
        "next_review_on": row["next_review_on"],
        "condition_due_on": row["condition_due_on"],
        "items_total": row["items_total"],
        "items_in_cycle": row["items_in_cycle"],
        "answered": row["answered"],
        "judged": row["judged"],
        "unsatisfied": row["unsatisfied"],
        "open_questions": row["open_questions"],
        "last_activity": row["last_activity"].isoformat(),
    }


def timeline_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "position": row["position"],
        "at": row["at"].isoformat(),
        "actor": {"id": row["actor_id"], "name": row["actor_name"], "org": row["actor_org"]},
        "type": row["type"],
        "item": row["item"],
        "text": row["text"],
        "cycle": row["cycle"],
        "version": row["version"],
    }


def library_json(library: Any) -> dict[str, Any]:
    from ..domain.answer_library import CERTIFICATION_KINDS

    return {
        "connector": dict(library.connector),
        "version": library.version,
        "entries": [
            {"number": int(number), **{k: entry[k] for k in ("status", "current_state", "issues", "plan", "remarks", "at", "version", "source")}}
            for number, entry in sorted(library.entries.items(), key=lambda pair: int(pair[0]))
        ],
        "shared_with": [dict(bank) for bank in library.shared_with],
        "certifications": [
            {**{k: c[k] for k in ("id", "kind", "scope", "issuer", "valid_from", "valid_until", "items", "file", "withdrawn")}, "kind_label": CERTIFICATION_KINDS[c["kind"]]}
            for c in library.certifications
        ],
    }
