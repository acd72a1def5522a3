# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Coop's staging seed leaves behind (coop-facts 5) and how to find it in a live database:
the sample orgs, users whose bcrypt hash verifies against a known default password, and the
tables whose rows carry an org_id. Shared by coop_checklist and coop_sample_org."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.roost.coop.plugins.module_utils.coop_db import optional_import

bcrypt, BCRYPT_IMPORT_ERROR = optional_import('bcrypt')
HAS_BCRYPT = bcrypt is not None

# Org id -> name, from the staging seed (coop-facts 5). Ids are what we trust; names can be reused.
SAMPLE_ORGS = {
    'e7c89ce7729': 'Test Org',
    '34bff959d00': 'Test Org 2',
    'dadbb4c07b0': 'Test Org 3',
    '6cd8223106e': 'Test Org 4',
}

# The seed's undocumented password (coop-facts 5, "Ten surprises" 7).
DEFAULT_PASSWORDS = ('testpassword123',)

# Coop hashes with bcryptjs cost 5 (coop-facts 4).
BCRYPT_COST = 5


def verify(password, hashed):
    """True when the bcrypt hash matches; False for anything that is not a usable bcrypt hash."""
    if not hashed or not hashed.startswith('$2'):
        return False
    try:
        return bcrypt.checkpw(password.encode('utf-8'), hashed.encode('utf-8'))
    except ValueError:
        return False


def default_password_users(rows, passwords):
    """Users (dicts with id, email, org_id, password) whose hash verifies against one of passwords.

    Each distinct hash is checked once: the seed gives all its users the same hash."""
    verdict = {}
    found = []
    for row in rows:
        hashed = row.get('password')
        if hashed not in verdict:
            verdict[hashed] = any(verify(password, hashed) for password in passwords)
        if verdict[hashed]:
            found.append({'id': row['id'], 'email': row['email'], 'org_id': row['org_id']})
    return found


def unusable_hash():
    """A bcrypt hash of a random secret nobody knows: login by password becomes impossible while
    the users' CHECK constraint (password set iff 'password' is a login method) still holds."""
    import secrets
    return bcrypt.hashpw(secrets.token_urlsafe(48).encode('ascii'), bcrypt.gensalt(BCRYPT_COST)).decode('ascii')


def find_orgs(cursor, ids=(), names=()):
    """[{id, name}] of orgs whose id is in ids or whose name is in names, ordered by id."""
    cursor.execute('SELECT id, name FROM public.orgs WHERE id = ANY(%s) OR name = ANY(%s) ORDER BY id',
                   (list(ids), list(names)))
    return [{'id': row[0], 'name': row[1]} for row in cursor.fetchall()]


def password_users(cursor, org_ids=None):
    """Users that have a password hash (optionally only in org_ids), as dicts including the hash."""
    query = 'SELECT id, email, org_id, password FROM public.users WHERE password IS NOT NULL'
    params = ()
    if org_ids is not None:
        query += ' AND org_id = ANY(%s)'
        params = (list(org_ids),)
    cursor.execute(query + ' ORDER BY id', params)
    return [{'id': row[0], 'email': row[1], 'org_id': row[2], 'password': row[3]} for row in cursor.fetchall()]


def org_tables(cursor):
    """([(schema, table)] of the tables with an org_id column in the order to delete them, and the
    triggers that fire on those deletes, see delete_triggers).

    Children come before the tables their foreign keys point to, so deleting in this order never
    trips a non-cascading FK; a versioned table comes before its history table, so the history rows
    its trigger writes for the deleted rows are deleted too.

    Read from pg_catalog, not information_schema: the latter hides tables the user has no
    privilege on, whose rows would silently stay; here their DELETE fails and rolls back.
    Partitions are left to their partitioned table, so no row is counted twice."""
    cursor.execute(
        "SELECT n.nspname, c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.attname = 'org_id' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') "
        "AND NOT c.relispartition AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' ORDER BY 1, 2")
    tables = [tuple(row) for row in cursor.fetchall()]
    cursor.execute(
        "SELECT cn.nspname, c.relname, pn.nspname, p.relname FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace "
        "JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace "
        "WHERE k.contype = 'f' AND k.conrelid <> k.confrelid")
    edges = [((row[0], row[1]), (row[2], row[3])) for row in cursor.fetchall()]
    triggers = delete_triggers(cursor, tables + [ORGS])
    edges.extend((t['table'], t['history']) for t in triggers if t['history'])
    return delete_order(tables, edges), triggers


ORGS = ('public', 'orgs')
# Coop versions rules, actions, policies, item types and routing rules with the temporal_tables
# trigger function versioning(sys_period, history_table, ...): each deleted row is copied into
# history_table (its second argument) by a BEFORE DELETE row trigger.
VERSIONING = 'versioning'


def delete_triggers(cursor, tables):
    """[{'table', 'name', 'history'}] of the enabled triggers that fire on DELETE of tables or of the
    tables their foreign keys cascade to; 'history' is the (schema, table) a versioning row trigger
    copies deleted rows into, else None."""
    cursor.execute(
        "WITH RECURSIVE reached(oid) AS ("
        " SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
        " UNION SELECT k.conrelid FROM pg_constraint k JOIN reached r ON k.confrelid = r.oid"
        " WHERE k.contype = 'f' AND k.confdeltype = 'c') "
        "SELECT n.nspname, c.relname, t.tgname, hn.nspname, h.relname FROM reached r "
        "JOIN pg_trigger t ON t.tgrelid = r.oid JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid "
        "LEFT JOIN LATERAL (SELECT to_regclass((string_to_array(encode(t.tgargs, 'escape'), '\\000'))[2]) AS oid "
        " WHERE p.proname = %s AND t.tgnargs >= 2 AND (t.tgtype & 1) = 1) v ON true "
        "LEFT JOIN pg_class h ON h.oid = v.oid LEFT JOIN pg_namespace hn ON hn.oid = h.relnamespace "
        "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 8) = 8 ORDER BY 1, 2, 3",
        ([schema for schema, _table in tables], [table for _schema, table in tables], VERSIONING))
    return [{'table': (row[0], row[1]), 'name': row[2], 'history': (row[3], row[4]) if row[4] else None}
            for row in cursor.fetchall()]


def label(table):
    return '%s.%s' % table


def trigger_effects(counts, triggers, tables):
    """What the triggers do while the rows in counts ({'schema.table': rows}, public.orgs included)
    are deleted, as (counts with the history rows written and then deleted, {history table: rows}
    written that stay because the table has no org_id, [triggers whose writes are not counted])."""
    deleted, kept, uncounted = dict(counts), {}, []
    wanted = set(tables)
    for trigger in triggers:
        source, history = trigger['table'], trigger['history']
        if history is None or (source not in wanted and source != ORGS):
            # Statement triggers, other functions, and rows removed by ON DELETE CASCADE.
            uncounted.append('%s on %s' % (trigger['name'], label(source)))
            continue
        rows = counts.get(label(source), 0)
        if rows:
            into = deleted if history in wanted else kept
            into[label(history)] = into.get(label(history), 0) + rows
    return deleted, kept, uncounted


def delete_order(tables, edges):
    """Order tables so each comes before every table it references (edges are (child, parent)).

    Tables caught in a reference cycle keep their sorted order; the foreign keys' own ON DELETE
    rules decide those, and a violation rolls the whole transaction back."""
    wanted = set(tables)
    parents = dict((table, set()) for table in tables)
    children = dict((table, 0) for table in tables)
    for child, parent in edges:
        if child in wanted and parent in wanted and child != parent and parent not in parents[child]:
            parents[child].add(parent)
            children[parent] += 1
    ordered = []
    ready = sorted(table for table in tables if children[table] == 0)
    while ready:
        table = ready.pop(0)
        ordered.append(table)
        for parent in sorted(parents[table]):
            children[parent] -= 1
            if children[parent] == 0:
                ready.append(parent)
        ready.sort()
    ordered.extend(sorted(table for table in tables if table not in ordered))
    return ordered
