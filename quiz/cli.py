"""Command line: ``flask users|questions|contests|attempts ...``. Thin callers of the domain modules."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from quiz import roles
from quiz.accounts import users
from quiz.bank.question_files import QuestionFileError, parse_questions, write_questions
from quiz.bank.questions import ExportRow, bank_versions, import_questions
from quiz.contest import attempts, contests
from quiz.errors import DomainError
from quiz.infra import audit
from quiz.infra.extensions import db
from quiz.messages import Problem, text
from quiz.timeutil import parse_iso


def fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _domain_fail(exc: DomainError) -> None:
    lines = [f"error: {exc.message}"]
    lines += [f"  {k}: {v}" for k, v in (exc.fields or {}).items()]
    fail("\n".join(lines))


def by_option(f):
    """--by EMAIL: the account the audit log names for this command (default: "cli")."""
    return click.option("--by", "by", default=None, help="email of the person running this, for the audit log")(f)


def _by_account(by: str | None):
    """The account --by names (None without --by: the operator, who sees every contest); unknown: exit 1."""
    from sqlalchemy import select

    from quiz.models import User

    if not by:
        return None
    user = db.session.execute(select(User).where(User.email == users.normalise_email(by))).scalar_one_or_none()
    if user is None:
        fail(f"error: --by {by}: no such account")
    return user


def _actor(by: str | None) -> audit.Actor:
    user = _by_account(by)
    return audit.CLI if user is None else audit.person(user)


def _org_or_fail(slug: str | None) -> int | None:
    """The id of the organization --org names (None without --org)."""
    from quiz.contest.organizations import get_organization

    if slug is None:
        return None
    try:
        return get_organization(db.session, slug).id
    except DomainError as exc:
        _domain_fail(exc)


users_cli = AppGroup("users", help="Manage accounts.")
questions = AppGroup("questions", help="Import and export the question bank.")
contests_cli = AppGroup("contests", help="Create and list contests.")
attempts_cli = AppGroup("attempts", help="Maintain attempts.")


@users_cli.command("create")
@click.option("--email", default="", help="the login email (staff: required; participants: this or --phone)")
@click.option("--password", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice(roles.ALL), default=roles.DEFAULT,
              show_default=True)
@click.option("--phone", default="", help="a Vietnamese mobile number, also a login name")
@click.option("--unit", default="")
@click.option("--locality", default="")
@click.option("--org", "org", default=None, help="organizers and judges: staff of this organization only (its slug)")
@click.option("--if-missing", is_flag=True, help="Succeed without change when the email already exists.")
@by_option
def users_create(email, password, full_name, role, phone, unit, locality, org, if_missing, by):
    """Make an account."""
    from quiz.contest import scope

    actor, by_user = _actor(by), _by_account(by)
    organization_id = _org_or_fail(org)
    try:
        if role in roles.ORGANIZATION_STAFF:
            organization_id = scope.assign_organization(by_user, organization_id)
        elif scope.organization_of(by_user) is not None and role != roles.PARTICIPANT:
            raise DomainError("forbidden", "Nhân sự của một tổ chức không tạo được tài khoản quản trị.")
        user = users.create_user(db.session, full_name=full_name, email=email, password=password, phone=phone,
                                 unit=unit, locality=locality, role=role, actor=actor,
                                 organization_id=organization_id)
    except DomainError as exc:
        if if_missing and exc.code in ("email_taken", "phone_taken"):
            click.echo(f"{email or phone} already exists; unchanged")
            return
        _domain_fail(exc)
    click.echo(f"created {user.role} {users.login_name(user)} (id {user.id})"
               + (" of its organization" if user.organization_id and not org else f" of {org}" if org else ""))


@questions.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@by_option
def questions_import(files, by):
    """Import .csv/.xlsx question files; all or nothing, every bad row reported."""
    parsed, errors = [], []
    with click.progressbar(files, label="Reading", file=sys.stderr) as bar:
        for name in bar:
            if not Path(name).is_file():
                errors.append(text(Problem(name, 0, "no_such_file")))
                continue
            try:
                parsed.extend(parse_questions(name))
            except QuestionFileError as exc:
                errors.extend(exc.errors)
    if errors:
        fail("\n".join(errors) + f"\n{len(errors)} problem(s); nothing imported")
    actor = _actor(by)
    try:
        report = import_questions(db.session, parsed, actor=actor, source=", ".join(Path(f).name for f in files))
    except QuestionFileError as exc:
        fail("\n".join(exc.errors) + "\nnothing imported")
    click.echo(f"{len(parsed)} questions: {report.created} new, {report.updated} updated, "
               f"{report.unchanged} unchanged")


@questions.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def questions_export(file):
    """Write the bank to a .csv or .xlsx file in the import format."""
    rows = [ExportRow(q, v) for q, v in bank_versions(db.session)]
    try:
        n = write_questions(file, rows)
    except QuestionFileError as exc:
        fail("\n".join(exc.errors))
    click.echo(f"{n} questions written to {file}")


def _when(value: str | None, name: str):
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        fail(f"error: --{name} must be ISO 8601 with a UTC offset, e.g. 2026-12-01T08:00:00+07:00")


def collective_options(default: str | None):
    """--collective, --collective-prizes and --collective-min (quiz.contest.collective); a round's default
    (None) is the contest's."""
    from quiz.contest.collective import RULES

    inherit = " (default: the contest's)" if default is None else ""

    def wrap(command):
        for option in reversed([
                click.option("--collective", type=click.Choice(RULES), default=default, show_default=True,
                             help="how units are ranked for collective prizes" + inherit),
                click.option("--collective-prizes", default="",
                             help='collective prize tiers, e.g. "1:Giải Nhất,2:Giải Nhì"' + inherit),
                click.option("--collective-min", type=click.IntRange(1, 100_000), default=None,
                             help="units with fewer participants are not ranked (default 1)" + inherit)]):
            command = option(command)
        return command
    return wrap


@contests_cli.command("create")
@click.option("--slug", required=True)
@click.option("--title", required=True)
@click.option("--questions", "question_count", type=int, default=None,
              help="number of questions (default: the blueprint's total, or 20)")
@click.option("--time-limit", "time_limit_s", type=int, default=1200, show_default=True, help="seconds")
@click.option("--max-attempts", type=int, default=3, show_default=True)
@click.option("--opens", help="ISO 8601 with offset; default now")
@click.option("--closes", help="ISO 8601 with offset; default 30 days after opening")
@click.option("--review", "review_policy", type=click.Choice(["never", "after_submit", "after_close"]),
              default="after_submit", show_default=True)
@click.option("--description", default="")
@click.option("--blueprint", default=None, help='questions per chapter, e.g. "1:3,2:2,3:2,4:3,5:3,6:3,7:2,8-12:2"')
@click.option("--prizes", default="", help='prize tiers, e.g. "1:Giải Nhất,2:Giải Nhì,3:Giải Ba,5:Khuyến khích"')
@click.option("--org", "org", default=None, help="the organization running it (its slug); default: the platform")
@click.option("--rules", "rules_file", default=None, type=click.Path(dir_okay=False),
              help="its rules page (thể lệ), a Markdown file (UTF-8)")
@click.option("--one-prize-per-person", is_flag=True,
              help="nobody wins a prize in more than one round: the next in line gets it")
@click.option("--practice", is_flag=True,
              help="a practice contest: attempts without limit, never ranked, review after each submit")
@collective_options(default="participants")
@click.option("--if-missing", is_flag=True, help="Succeed without change when the slug already exists.")
@by_option
def contests_create(slug, title, question_count, time_limit_s, max_attempts, opens, closes, review_policy,
                    description, blueprint, prizes, org, rules_file, one_prize_per_person, practice, collective,
                    collective_prizes, collective_min, if_missing, by):
    """Open a contest over the bank."""
    from quiz.contest import scope

    actor, by_user = _actor(by), _by_account(by)
    organization_id = _org_or_fail(org)
    rules = ""
    if rules_file is not None:
        try:
            rules = Path(rules_file).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            fail(f"error: --rules {rules_file}: no such file")
        except (UnicodeDecodeError, OSError) as exc:
            fail(f"error: --rules {rules_file}: cannot read it as UTF-8 text ({exc.__class__.__name__})")
    try:
        organization_id = scope.assign_organization(by_user, organization_id)
        c = contests.create_contest(db.session, slug=slug, title=title, question_count=question_count,
                                    time_limit_s=time_limit_s, max_attempts=max_attempts,
                                    opens_at=_when(opens, "opens"), closes_at=_when(closes, "closes"),
                                    review_policy=review_policy, description=description,
                                    blueprint=blueprint, prize_tiers=prizes, rules=rules, actor=actor,
                                    one_prize_per_person=one_prize_per_person, practice=practice,
                                    collective=collective, collective_prizes=collective_prizes,
                                    collective_min=collective_min,
                                    organization_id=organization_id)
    except DomainError as exc:
        if if_missing and exc.code == "slug_taken":
            click.echo(f"contest {slug} already exists; unchanged")
            return
        _domain_fail(exc)
    from quiz.contest.chapter_plan import format_plan, plan_from_json

    click.echo(f"created {'practice ' if c.practice else ''}contest {c.slug}: {c.question_count} questions "
               f"({format_plan(plan_from_json(c.chapter_plan, c.question_count))}), {c.time_limit_s} s, "
               f"{'unlimited' if c.practice else c.max_attempts} attempts, "
               f"{c.opens_at.isoformat()} .. {c.closes_at.isoformat()}"
               + (f", organization {org}" if org else "") + (", with a rules page" if c.rules else ""))


@contests_cli.command("list")
def contests_list():
    """List contests."""
    for c in contests.list_contests(db.session):
        click.echo(f"{c.slug}\t{c.status_at(attempts.utcnow())}\t{c.title}")


@contests_cli.command("close")
@click.argument("slug")
@by_option
def contests_close(slug, by):
    """Close a contest now and freeze its ranking."""
    actor = _actor(by)
    contest = _contest_or_fail(slug, by)
    try:
        contests.close_now(db.session, contest, actor=actor)
    except DomainError as exc:
        _domain_fail(exc)
    click.echo(f"contest {slug} closed at {contest.closes_at.isoformat()}")


rounds_cli = AppGroup("rounds", help="Rounds of a contest.")


@rounds_cli.command("create")
@click.argument("slug")
@click.option("--number", type=int, required=True)
@click.option("--opens", required=True, help="ISO 8601 with offset")
@click.option("--closes", required=True, help="ISO 8601 with offset")
@click.option("--max-attempts", type=int, default=None, help="default: the contest's")
@click.option("--prizes", default="", help='e.g. "1:Giải Nhất,2:Giải Nhì,3:Giải Ba,5:Khuyến khích"')
@click.option("--title", default="")
@collective_options(default=None)
@by_option
def rounds_create(slug, number, opens, closes, max_attempts, prizes, title, collective, collective_prizes,
                  collective_min, by):
    """Add a round (its own window, attempt limit, prizes and ranking)."""
    from quiz.contest.rounds import create_round

    actor = _actor(by)
    contest = _contest_or_fail(slug, by)
    try:
        r = create_round(db.session, contest, number=number, opens_at=_when(opens, "opens"),
                         closes_at=_when(closes, "closes"), max_attempts=max_attempts, prize_tiers=prizes,
                         title=title, actor=actor, collective=collective, collective_prizes=collective_prizes,
                         collective_min=collective_min)
    except DomainError as exc:
        _domain_fail(exc)
    click.echo(f"created round {r.number} of {slug}: {r.opens_at.isoformat()} .. {r.closes_at.isoformat()}")


@rounds_cli.command("list")
@click.argument("slug")
def rounds_list(slug):
    """List a contest's rounds."""
    from quiz.contest.rounds import rounds_of

    contest = _contest_or_fail(slug)
    for r in rounds_of(db.session, contest.id):
        click.echo(f"{r.number}\t{r.status_at(attempts.utcnow())}\t"
                   f"{r.opens_at.isoformat()} .. {r.closes_at.isoformat()}")


ranking_cli = AppGroup("ranking", help="Frozen rankings.")


@ranking_cli.command("freeze")
@click.argument("slug")
@click.option("--round", "round_", default=None)
@click.option("--by", "by", required=True, help="email of the admin who asks for it (kept with the freeze)")
def ranking_freeze(slug, round_, by):
    """Freeze the ranking again from the attempts as they are now (an admin's explicit decision)."""
    from sqlalchemy import select

    from quiz.contest import ranking
    from quiz.models import User

    contest = _ranked_or_fail(_contest_or_fail(slug))
    rnd = _round_or_fail(contest, round_)
    admin = db.session.execute(select(User).where(User.email == by.strip().lower())).scalar_one_or_none()
    if admin is None or admin.role not in roles.REFREEZE_RANKING:
        fail(f"error: {by} is not an admin account")
    if (rnd or contest).status_at(attempts.utcnow()) != "closed":
        fail("error: the ranking is frozen only once it has closed; it is provisional until then")
    round_id = rnd.id if rnd else None
    before = ranking.current_freeze(db.session, contest.id, round_id)
    record = ranking.freeze(db.session, contest, rnd, audit.Actor(admin.id, admin.email))
    click.echo(f"frozen {record.rows} rows, sha256 {record.digest}"
               + (f" (was {before.digest})" if before else ""))


@attempts_cli.command("close-expired")
def attempts_close_expired():
    """Close every open attempt whose deadline has passed, scoring the answers saved before it; then freeze
    the ranking of every contest and round whose window has ended (the first freeze, by "system")."""
    from quiz.contest import ranking

    n = attempts.close_expired(db.session, grace_s=current_app.config["ANSWER_GRACE_S"],
                               progress=lambda k: click.echo(f"closed {k}...", err=True))
    click.echo(f"closed {n} expired attempt(s)")
    for name in ranking.freeze_closed(db.session, audit.SYSTEM):
        click.echo(f"froze the ranking of {name}")


def _contest_or_fail(slug: str, by: str | None = None):
    """The contest; with --by, only one that account may manage (quiz.contest.scope)."""
    from quiz.contest import scope

    try:
        contest = contests.get_contest(db.session, slug)
        return scope.require(_by_account(by), contest) if by else contest
    except DomainError as exc:
        _domain_fail(exc)


def _ranked_or_fail(contest):
    """The contest when it has a ranking; a practice contest has none (no winners, freeze or certificates)."""
    from quiz.contest.ranking import require_ranked

    try:
        return require_ranked(contest)
    except DomainError as exc:
        _domain_fail(exc)


def _round_or_fail(contest, round_):
    from quiz.contest.rounds import get_round

    try:
        return get_round(db.session, contest, round_)
    except DomainError as exc:
        _domain_fail(exc)


@click.command("stats")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the same object as the stats endpoint.")
@click.option("--round", "round_", default=None)
@click.option("--recount", is_flag=True, help="Recount the report's counters from the attempts first.")
@by_option
def stats_command(slug, as_json, round_, recount, by):
    """The statistics report of a contest."""
    import json

    from quiz.contest.stats import contest_stats
    from quiz.contest.tallies import rebuild
    from quiz.infra.database import reading

    _actor(by)  # an unknown --by is still refused; reading the statistics is not logged (it changes nothing)
    contest = _contest_or_fail(slug, by)
    rnd = _round_or_fail(contest, round_)
    if recount:
        click.echo("recounting the statistics' counters from the attempts...", err=True)
        rebuild(db.session.connection(), contest.id)
        db.session.commit()
    with reading(db.session):
        body = contest_stats(db.session, contest, rnd)
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    pct = lambda x: f"{x * 100:.2f}%".replace(".", ",")  # noqa: E731
    click.echo(f"{contest.title}")
    click.echo(f"  người dự thi: {body['participants']}, lượt dự thi: {body['attempts']}")
    click.echo(f"  đạt {contest.question_count}/{contest.question_count}: {body['perfect']['count']} "
               f"({pct(body['perfect']['share'])})")
    click.echo(f"  từ {body['at_least']['threshold']} câu đúng: {body['at_least']['count']} "
               f"({pct(body['at_least']['share'])})")
    if body["attempts"]:
        click.echo(f"  trung bình {body['mean']:.2f}, trung vị {body['median']}, độ lệch chuẩn {body['stdev']:.2f}")


class _WinnersGroup(AppGroup):
    """``flask winners SLUG --out FILE`` writes the list (as it always has); ``flask winners verdict ...`` is a
    judge's verdict. Anything that is not a subcommand's name goes to the list."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["_list", *args]
        return super().parse_args(ctx, args)


winners_cli = _WinnersGroup("winners", help="The winner list (flask winners SLUG --out FILE) and judges' verdicts.")


@winners_cli.command("_list", hidden=True)
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--round", "round_", default=None)
@by_option
def winners_command(slug, out, round_, by):
    """Write the winner list (.xlsx or .csv) in ranking order."""
    from quiz.files import exports

    actor = _actor(by)
    contest = _ranked_or_fail(_contest_or_fail(slug, by))
    rnd = _round_or_fail(contest, round_)
    suffix = Path(out).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        fail("error: --out must end in .csv or .xlsx")
    data, result, tiers = exports.winner_list(db.session, contest, rnd, suffix[1:])
    Path(out).write_bytes(data)
    audit.record_now(db.session, actor, audit.WINNERS_EXPORT, "contest", slug,
                     after={"round": rnd.number if rnd else None, "format": suffix[1:], "file": Path(out).name,
                            "sha256": result.digest})
    state = "frozen" if result.frozen else "provisional (still open)"
    what = "the whole ranking" if not tiers else f"the prize places ({sum(n for n, _name in tiers)})"
    click.echo(f"{what} written to {out}; ranking {state}, sha256 {result.digest}")


@winners_cli.command("verdict")
@click.argument("slug")
@click.option("--email", default=None, help="the person judged")
@click.option("--phone", default=None, help="instead of --email: the person's mobile number")
@click.option("--disqualify", "verdict", flag_value="disqualified", help="out of the ranking and its prizes")
@click.option("--verify", "verdict", flag_value="verified", help="checked: the result stands")
@click.option("--reset", "verdict", flag_value="pending", help="pending again (back in the ranking)")
@click.option("--reason", required=True, help="why (kept with the verdict and the new ranking version)")
@click.option("--by", "by", required=True, help="email of the judge or admin deciding")
@click.option("--round", "round_", default=None)
def winners_verdict(slug, email, phone, verdict, reason, by, round_):
    """A judge's verdict on one person; a frozen ranking is frozen again as a new version."""
    from sqlalchemy import select

    from quiz.contest import verdicts
    from quiz.models import User

    if verdict is None:
        fail("error: say --disqualify, --verify or --reset")
    if bool(email) == bool(phone):
        fail("error: say --email or --phone (one of them)")
    judge = db.session.execute(select(User).where(User.email == users.normalise_email(by))).scalar_one_or_none()
    if judge is None or judge.role not in roles.JUDGE_VERDICTS:
        fail(f"error: --by {by}: not a judge or admin account")
    contest = _contest_or_fail(slug, by)  # an organization's judge: only its own contests
    rnd = _round_or_fail(contest, round_)
    try:
        _row, digest = verdicts.set_verdict(db.session, contest, rnd, email or phone, verdict, reason,
                                            audit.person(judge), judge.role)
    except DomainError as exc:
        _domain_fail(exc)
    where = f"{slug}" + (f" round {rnd.number}" if rnd else "")
    after = f"ranking frozen again, sha256 {digest}" if digest else "ranking not frozen yet (provisional)"
    click.echo(f"{users.login_key(email or phone)}: {verdict} in {where}; {after}")


@click.command("suspicious")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (the page's data).")
@click.option("--round", "round_", default=None)
@by_option
def suspicious_command(slug, as_json, round_, by):
    """Suspicious patterns to review (same address or device, too fast, identical answers)."""
    import json
    from zoneinfo import ZoneInfo

    from quiz.contest.suspicious import Rules, build_report

    actor = _actor(by)
    contest = _contest_or_fail(slug, by)
    rnd = _round_or_fail(contest, round_)
    report = build_report(db.session, contest, rnd, Rules.from_config(current_app.config),
                          ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    audit.record_now(db.session, actor, audit.SUSPICIOUS_EXPORT, "contest", slug,
                     after={"round": rnd.number if rnd else None, "format": "json" if as_json else "text",
                            "flags": len(report["flags"])})
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"{contest.title}" + (f", vòng {rnd.number}" if rnd else "") + f": {len(report['flags'])} dấu hiệu")
    for number, flag in enumerate(report["flags"], start=1):
        click.echo(f"{number}. [{flag['kind']}] {flag['reason']}")
        for p in flag["people"]:
            attempts = ", ".join(f"#{a}" for a in p["attempt_ids"])
            click.echo(f"   - {p['full_name']} <{p['email']}> {p['unit'] or '(chưa ghi đơn vị)'}"
                       + (f" lượt {attempts}" if attempts else ""))


orgs_cli = AppGroup("orgs", help="Organizations that run contests.")


@orgs_cli.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--contact", default="", help="address, phone, email: shown on its contests' pages")
@click.option("--logo", "logo_file", default=None, type=click.Path(dir_okay=False),
              help="a PNG or JPEG image (at most 1 MB)")
@click.option("--if-missing", is_flag=True, help="Succeed without change when the slug already exists.")
@by_option
def orgs_create(slug, name, contact, logo_file, if_missing, by):
    """An organization that runs contests (a provincial alliance, the national one)."""
    from quiz.contest.organizations import create_organization

    actor = _actor(by)
    logo = None
    if logo_file is not None:
        try:
            logo = Path(logo_file).read_bytes()
        except OSError:
            fail(f"error: --logo {logo_file}: no such file or it cannot be read")
    try:
        org = create_organization(db.session, slug=slug, name=name, contact=contact, logo=logo, actor=actor)
    except DomainError as exc:
        if if_missing and exc.code == "slug_taken":
            click.echo(f"organization {slug} already exists; unchanged")
            return
        _domain_fail(exc)
    click.echo(f"created organization {org.slug}: {org.name}" + (" (with a logo)" if org.logo_hash else ""))


units_cli = AppGroup("units", help="Organizations' unit directories.")


@units_cli.command("import")
@click.argument("org")
@click.argument("file", type=click.Path(dir_okay=False))
@by_option
def units_import(org, file, by):
    """The organization's unit directory from .csv or .xlsx (code,name,locality_code,headcount): all or nothing;
    a code that exists is updated."""
    from quiz.contest import scope
    from quiz.contest.organizations import get_organization
    from quiz.contest.units import UnitFileError, import_units, read_units

    actor, account = _actor(by), _by_account(by)
    try:
        organization = get_organization(db.session, org)
    except DomainError as exc:
        _domain_fail(exc)
    if scope.organization_of(account) not in (None, organization.id):
        fail(f"error: --by {by}: staff of another organization cannot change {org}'s units")
    click.echo(f"checking {file} ...", err=True)
    try:
        rows = read_units(file, progress=lambda n: click.echo(f"  checked {n:,} rows", err=True))
    except UnitFileError as exc:
        fail("\n".join(exc.errors) + f"\n{exc.total} problem(s); nothing imported")
    click.echo(f"writing {len(rows):,} units ...", err=True)
    report = import_units(db.session, organization, rows, actor=actor, source=Path(file).name)
    click.echo(f"units of {org}: {report.created} added, {report.updated} updated, {report.unchanged} unchanged")


results_cli = AppGroup("results", help="Results from elsewhere.")


@results_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--round", "round_", default=None, help="put every row in this round (default: by submitted_at)")
@by_option
def results_import(slug, file, round_, by):
    """Import finished attempts (email,full_name,unit,locality,score,duration_s,submitted_at,prediction)."""
    import time

    from quiz.contest.rounds import rounds_of
    from quiz.contest.units import lookup
    from quiz.files.results_import import ResultsFileError, import_results, read_results

    actor = _actor(by)
    contest = _contest_or_fail(slug, by)
    rnd = _round_or_fail(contest, round_)
    started = time.monotonic()
    click.echo(f"checking {file} ...", err=True)
    try:
        rows = read_results(file, contest, rounds_of(db.session, contest.id), rnd,
                            progress=lambda n: click.echo(f"  checked {n:,} rows", err=True),
                            units=lookup(db.session, contest.organization_id))
    except ResultsFileError as exc:
        more = f" (first {len(exc.errors)} shown)" if exc.total > len(exc.errors) else ""
        fail("\n".join(exc.errors) + f"\n{exc.total} problem(s){more}; nothing imported")
    with click.progressbar(length=len(rows), label=f"importing {len(rows):,} rows", file=sys.stderr) as bar:
        report = import_results(db.session, contest, rows,
                                progress=lambda n: bar.update(n) if isinstance(n, int) else None,
                                actor=actor, source=Path(file).name, rnd=rnd)
    click.echo(f"imported {report.rows} attempts ({report.new_people} new people) into {slug} "
               f"in {time.monotonic() - started:.1f} s")


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 1.000.000, as written in Viet Nam


def _table_progress(every: int = 100_000):
    """Progress on stderr for long tables: "attempt: 300.000 / 1.000.000 dòng"."""
    def show(table: str, done: int, total: int) -> None:
        if total >= every and (done % every < 10_000 or done == total):
            click.echo(f"  {table}: {_number(done)} / {_number(total)} dòng", err=True)

    return show


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(), help="the backup file to write (.jsonl.gz)")
def backup_command(out):
    """A consistent copy of the whole database while the app keeps serving (any database kind)."""
    from quiz.infra import backup

    click.echo(f"sao lưu vào {out} ...", err=True)
    try:
        summary = backup.dump(db.engine.url, Path(out), progress=_table_progress())
    except backup.BackupError as exc:
        fail(f"lỗi: {exc}")
    click.echo(f"đã sao lưu {_number(summary.rows)} dòng của {summary.tables} bảng vào {out} "
               f"(phiên bản lược đồ {summary.revision})")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
def restore_command(file):
    """Restore a backup into an empty database made by `flask db upgrade` (refuses one that holds data)."""
    import time

    from quiz.infra import backup

    started = time.monotonic()
    click.echo(f"khôi phục {file} ...", err=True)
    try:
        summary = backup.restore(db.engine.url, Path(file), progress=_table_progress())
    except backup.BackupError as exc:
        fail(f"lỗi: {exc}")
    seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
    click.echo(f"đã khôi phục {_number(summary.rows)} dòng của {summary.tables} bảng trong {seconds} giây")


privacy_cli = AppGroup("privacy", help="Personal data: the retention purge.")


def _day_or_time(value: str):
    """A date (the start of that day in Viet Nam) or an ISO 8601 time with offset, in UTC."""
    from datetime import date, datetime, timedelta, timezone

    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return _when(value, "closed-before")
    return datetime(day.year, day.month, day.day, tzinfo=timezone(timedelta(hours=7))).astimezone(timezone.utc)


@privacy_cli.command("purge")
@click.option("--closed-before", "closed_before", required=True,
              help="a date (Viet Nam) or ISO 8601 time: erase participants whose contests all closed before it")
@click.option("--keep-winners", is_flag=True, help="keep the prize winners of frozen rankings")
@by_option
def privacy_purge(closed_before: str, keep_winners: bool, by: str | None):
    """Erase, as on request, every participant whose contests all closed before the date (never staff)."""
    from quiz.accounts import privacy

    when = _day_or_time(closed_before)
    actor = _actor(by)
    report = privacy.purge(db.session, when, keep_winners, actor,
                           progress=lambda n, total: click.echo(f"  erased {n:,} of {total:,}", err=True)
                           if n % 100 == 0 or n == total else None)
    kept = f", {report.kept_winners:,} prize winners kept" if keep_winners else ""
    click.echo(f"{report.erased:,} people erased (contests closed before {when.isoformat()}){kept}")


lang_option = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
                           help="the language of the PDFs")


def _wording(lang: str):
    from quiz.web.locale import wording

    return wording(lang)


@click.command("certificates")
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="FILE.zip")
@click.option("--round", "round_", default=None)
@click.option("--kind", type=click.Choice(["prize", "participation", "all"]), default="all", show_default=True)
@click.option("--base-url", default=None, help="where /verify is served (default: PUBLIC_URL)")
@lang_option
@by_option
def certificates_command(slug, out, round_, kind, base_url, lang, by):
    """One PDF certificate per person in a zip, issuing those not yet issued."""
    from flask import current_app

    from quiz.contest import certificates
    from quiz.files import certificates as pdfs

    actor = _actor(by)
    if not out.lower().endswith(".zip"):
        fail("error: --out must end in .zip")
    base_url = base_url or current_app.config.get("PUBLIC_URL")
    if not base_url:
        fail("error: set PUBLIC_URL (or --base-url): the QR codes must lead to the site's /verify page")
    contest = _ranked_or_fail(_contest_or_fail(slug))
    rnd = _round_or_fail(contest, round_)
    kinds = certificates.KINDS if kind == "all" else (kind,)
    certs = certificates.issue(db.session, contest, rnd, kinds, actor)
    words = _wording(lang)
    org = current_app.config.get("PLATFORM_NAME") or words.tr(pdfs.DEFAULT_ORG)
    renderer = pdfs.Renderer(org, contest.title, certificates.round_title(rnd, words.tr), tr=words.tr)
    partial = Path(out).with_name(Path(out).name + ".partial")
    with partial.open("wb") as f, click.progressbar(length=len(certs), label="certificates",
                                                    file=sys.stderr) as bar:
        pdfs.write_zip(f, certs, renderer, base_url, bar.update)
    partial.replace(out)
    click.echo(f"{len(certs)} certificates written to {out}")


@click.command("report")
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="FILE.pdf")
@click.option("--round", "round_", default=None)
@lang_option
def report_command(slug, out, round_, lang):
    """The ceremony report as a PDF."""
    from flask import current_app

    from quiz.files import certificates as pdfs
    from quiz.files.report import ceremony_report

    if not out.lower().endswith(".pdf"):
        fail("error: --out must end in .pdf")
    contest = _ranked_or_fail(_contest_or_fail(slug))
    rnd = _round_or_fail(contest, round_)
    words = _wording(lang)
    org = current_app.config.get("PLATFORM_NAME") or words.tr(pdfs.DEFAULT_ORG)
    data = ceremony_report(db.session, contest, rnd, org, words)
    Path(out).write_bytes(data)
    click.echo(f"report written to {out}")


translations_cli = AppGroup("translations", help="The English catalog (translations/en/LC_MESSAGES/messages.po).")


@translations_cli.command("update")
def translations_update():
    """Extract every msgid, bring the catalog up to date, compile it, and list what is left to translate."""
    from quiz.infra import catalogs

    missing = catalogs.update("en")
    click.echo(f"{catalogs.po_path('en')}: {len(missing)} msgids to translate")
    for msgid in missing:
        click.echo("  " + msgid.replace("\n", "\\n"))
    if missing:
        sys.exit(1)


accommodations_cli = AppGroup("accommodations", help="Extra time and attempts for one person in a contest.")


@accommodations_cli.command("set")
@click.argument("slug")
@click.option("--email", required=True, help="the person's account")
@click.option("--extra-time", "extra_time_s", type=int, default=0, show_default=True, help="seconds")
@click.option("--extra-attempts", type=int, default=0, show_default=True)
@click.option("--by", "by", required=True, help="email of the staff member deciding it, for the audit log")
def accommodations_set(slug, email, extra_time_s, extra_attempts, by):
    """Give a person extra time and attempts for their next attempts in a contest (0 and 0: remove)."""
    from quiz.contest.accommodations import set_accommodation

    staff = _staff_or_fail(by, roles.MANAGE_CONTESTS)
    contest = _contest_or_fail(slug, by)
    try:
        row = set_accommodation(db.session, contest, email, extra_time_s, extra_attempts, audit.person(staff))
    except DomainError as exc:
        _domain_fail(exc)
    if row is None:
        click.echo(f"{email}: no accommodation in {slug}")
    else:
        click.echo(f"{email}: {row.extra_time_s} s more time, {row.extra_attempts} more attempt(s) in {slug}")


@accommodations_cli.command("list")
@click.argument("slug")
def accommodations_list(slug):
    """A contest's accommodations: email, extra seconds, extra attempts, who set them."""
    from quiz.contest.accommodations import accommodations

    for row in accommodations(db.session, _contest_or_fail(slug)):
        click.echo(f"{row.email}\t{row.extra_time_s}\t{row.extra_attempts}\t{row.set_by or 'cli'}")


def _staff_or_fail(by: str, group: tuple[str, ...]):
    """The account --by names, which must be of ``group`` (quiz.roles); else exit 1."""
    user = _by_account(by)
    if user.role not in group:
        fail(f"error: --by {by}: this account may not do this (role {user.role})")
    return user


def init_app(app: Flask) -> None:
    for group in (users_cli, questions, contests_cli, attempts_cli, rounds_cli, ranking_cli, results_cli,
                  privacy_cli, orgs_cli, units_cli, translations_cli, accommodations_cli):
        app.cli.add_command(group)
    app.cli.add_command(stats_command)
    app.cli.add_command(winners_cli)
    app.cli.add_command(certificates_command)
    app.cli.add_command(report_command)
    app.cli.add_command(suspicious_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
