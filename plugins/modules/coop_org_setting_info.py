#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_org_setting_info
short_description: Export every org's live Coop settings as a coop_orgs list
version_added: 0.2.0
description:
  - Reads the per-org settings of every org in Coop's database, from the four settings tables
    (C(public.org_settings), C(manual_review_tool.manual_review_tool_settings),
    C(user_management_service.org_default_user_interface_settings) and
    C(ncmec_reporting.ncmec_org_settings)), and returns them as RV(coop_orgs), the list the
    C(roost.coop.settings) role and M(roost.coop.coop_org_setting) take as they are.
  - Use it to bring an instance configured through Coop's settings screens under management.
    Applying the export changes nothing (C(changed=0)), on both schema shapes.
  - Secrets are not exported. NCMEC credentials and the values of C(appeal_callback_headers) and
    C(partial_items_request_headers) are left out and named in RV(withheld); without them in
    the declaration the settings module leaves the stored values alone.
  - Keys of a settings table in which an org has no row are left out (Coop uses its defaults
    there), so applying the export creates no row. An org without NCMEC settings gets
    an C(ncmec) mapping whose C(enabled) is C(false).
  - Reads with one query per table, however many orgs there are. Read-only.
author: roost.coop developers (@roostorg)
seealso:
  - module: roost.coop.coop_org_setting
extends_documentation_fragment:
  - roost.coop.coop_db
attributes:
  diff_mode:
    description: An export writes nothing; there is no diff.
    support: none
  check_mode:
    description: The same export as in a normal run.
    support: full
options: {}
notes:
  - Orgs are named by their name, or by their id when their name is another org's id.
'''

EXAMPLES = r'''
- name: Export the live settings
  roost.coop.coop_org_setting_info:
    env_file: /etc/coop/server.env
  register: coop_live

- name: Write them as inventory variables to review and commit
  ansible.builtin.copy:
    content: "{{ {'coop_orgs': coop_live.coop_orgs} | to_nice_yaml(indent=2) }}"
    dest: group_vars/coop_app/coop_orgs.yml
    mode: "0600"
  delegate_to: localhost
'''

RETURN = r'''
coop_orgs:
  description: One item per org, ordered by name, each C(org), C(settings) and C(ncmec).
  returned: always
  type: list
  elements: dict
  sample:
    - org: Acme Trust & Safety
      settings: {has_appeals_enabled: true, user_strike_ttl_days: 30, moderator_safety_blur_level: 3}
      ncmec: {enabled: true, company_template: Acme, legal_url: "https://acme.example/terms",
              media_review_requirement: ALL, min_media_to_review: null}
    - org: Globex
      settings: {}
      ncmec: {enabled: false}
withheld:
  description: Per org, the keys whose stored values are secret and were left out.
  returned: always
  type: dict
  sample: {Acme Trust & Safety: [appeal_callback_headers, ncmec.username, ncmec.password]}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog
from ansible_collections.roost.coop.plugins.module_utils import coop_export
from ansible_collections.roost.coop.plugins.module_utils import coop_ncmec as ncmec
from ansible_collections.roost.coop.plugins.module_utils.coop_db import (
    abort, connect, coop_db_argument_spec, existing_columns, failing, sql)

TABLES = catalog.TABLES + (ncmec.TABLE,)


def read_table(cursor, table, columns):
    """{org_id: row} of a whole settings table, in one query."""
    cursor.execute(sql.SQL('SELECT {} FROM {}').format(
        sql.SQL(', ').join(sql.Identifier(c) for c in ['org_id'] + columns), sql.Identifier(*table)))
    return dict((row[0], dict(zip(columns, row[1:]))) for row in cursor.fetchall())


def export(cursor):
    live = existing_columns(cursor, TABLES)
    missing = ['%s.%s' % table for table in catalog.TABLES if table not in live]
    if missing:
        raise catalog.SettingsError(['%s missing; point the connection at Coop\'s migrated database'
                                     % ', '.join(missing)])
    cursor.execute('SELECT id, name FROM public.orgs ORDER BY name, id')
    orgs = cursor.fetchall()
    rows = {}
    for table in TABLES:
        if table in live:
            known = catalog.SETTINGS if table != ncmec.TABLE else ncmec.FIELDS
            exported = [c for c in sorted(live[table]) if c in known and c not in ncmec.CREDENTIALS]
            rows[table] = read_table(cursor, table, exported)
    return coop_export.coop_orgs(orgs, rows, live)


def main():
    module = AnsibleModule(argument_spec=coop_db_argument_spec(), supports_check_mode=True)
    conn = connect(module)
    with failing(module, conn, catalog.SettingsError, read_only=True):
        conn.read_only = True
        with conn.cursor() as cursor:
            orgs, withheld = export(cursor)
    abort(conn)
    module.exit_json(changed=False, coop_orgs=orgs, withheld=withheld)


if __name__ == '__main__':
    main()
