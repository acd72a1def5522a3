#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_job_state
short_description: Insert the bookkeeping rows Coop's scheduled jobs need
version_added: 0.1.0
description:
  - Coop's C(RefreshMRTDecisionsMaterializedViewJob) fails on every run unless
    C(public.view_maintenance_metadata) has a row for
    C(manual_review_tool.dim_mrt_decisions_materialized); only the staging seed inserts it, so a
    production install (C(--env prod) migrations) lacks it.
  - This module inserts each missing row with its initial value (C(last_insert = '-infinity'), a
    full first refresh) and leaves existing rows alone, as the jobs own them afterwards.
  - Run it after the migrations, which create the tables.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Reports the rows it would insert without writing.
  diff_mode:
    support: full
    description: The jobs whose rows are missing before, and none after.
extends_documentation_fragment:
  - roost.coop.coop_db
notes:
  - A missing table is an error outside check mode (run the migrations first); in check mode its
    rows count as to be inserted, since the migrations would create it.
seealso:
  - module: roost.coop.coop_migration_info
'''

EXAMPLES = r'''
- name: Rows Coop's jobs need on a production install
  roost.coop.coop_job_state:
    env_file: /etc/coop/db.env
'''

RETURN = r'''
inserted:
  description: Jobs whose row was inserted (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [RefreshMRTDecisionsMaterializedViewJob]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.roost.coop.plugins.module_utils import coop_db
from ansible_collections.roost.coop.plugins.module_utils.coop_releases import JOB_STATE


def main():
    module = AnsibleModule(argument_spec=coop_db.coop_db_argument_spec(), supports_check_mode=True)
    conn = coop_db.connect(module)
    inserted = []
    try:
        with conn.cursor() as cur:
            for row, table_exists in coop_db.job_state_missing(cur, JOB_STATE):
                if not table_exists:
                    if module.check_mode:
                        inserted.append(row['job'])
                        continue
                    module.fail_json(msg='%s.%s does not exist: run the migrations first (%s needs a row there)'
                                         % (row['schema'], row['table'], row['job']))
                _exists, insert, params = coop_db.job_state_sql(row)
                if not module.check_mode:
                    cur.execute(insert, params)
                    if cur.fetchone() is None:
                        continue  # inserted by someone else meanwhile
                inserted.append(row['job'])
        conn.commit()
    except coop_db.psycopg.Error as exc:
        conn.rollback()
        module.fail_json(msg='cannot write the job bookkeeping rows: %s' % coop_db.error_text(exc))
    finally:
        conn.close()
    module.exit_json(changed=bool(inserted), inserted=inserted,
                     diff={'before': {'missing_rows_for': inserted}, 'after': {'missing_rows_for': []}})


if __name__ == '__main__':
    main()
