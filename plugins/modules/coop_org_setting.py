#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_org_setting
short_description: Manage the per-org settings Coop keeps in its database
version_added: 0.1.0
description:
  - Sets the per-org settings of Coop that live only in database tables, for one org or many
    in one task, across C(public.org_settings), C(manual_review_tool.manual_review_tool_settings)
    and C(user_management_service.org_default_user_interface_settings).
  - Keys are the settings of Coop's Organization (appeals, SSO, partial items), Review Console and
    Wellness tabs, named like their columns. Each is validated against the collection's catalog
    (type, bounds, URL, JSON object, the SAML rule) before anything is written.
  - Works on both schema shapes. On databases migrated with Coop 2026.06 or later,
    C(mrt_requires_decision_reason) sets both C(mrt_requires_decision_reason_on_action) and
    C(mrt_requires_decision_reason_on_ignore); on older ones the two new keys are refused.
    C(moderator_safety_sepia) exists from 2026.07.
  - Uses one connection and one transaction. The settings rows are locked while compared
    (missing rows are created first, as Coop does, so concurrent runs never lose an update), and
    only columns whose value differs are written. Any error leaves the database as it was.
  - NCMEC reporting (C(ncmec_reporting.ncmec_org_settings)) is set with O(ncmec). A row there
    means reporting is on for the org, so a row is created only with credentials, and
    C(enabled=false) deletes it (check mode and diff say so). The credentials are never shown.
  - Coop caches some settings in-process (partial items endpoint 5 minutes, strike TTL and ignore
    callback 10 minutes), so changes can take that long to show.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Reads the current values and reports what would change without writing.
  diff_mode:
    support: full
    description: Before and after per org, per changed key. Header values and NCMEC credentials are masked.
options:
  org:
    description:
      - Id or unique name of one org. Mutually exclusive with O(orgs).
      - An identifier that is the id of one org and the name of another is refused.
    type: str
  orgs:
    description:
      - Several orgs in one task. Each item is an org id or name (it gets O(settings)), or a
        mapping with C(org), C(settings) and C(ncmec); item settings are merged over O(settings).
      - The C(coop_orgs) list M(roost.coop.coop_org_setting_info) returns is taken as it is.
      - The number of SQL round trips does not grow with the number of orgs.
    type: list
    elements: raw
  settings:
    description:
      - Settings to apply, as a mapping of key to value. Keys not given are left alone.
      - "Organization: C(has_appeals_enabled), C(appeal_callback_url), C(appeal_callback_headers)
        (mapping of strings, values never shown), C(appeal_callback_body) (mapping),
        C(has_reporting_rules_enabled), C(allow_multiple_policies_per_action),
        C(user_strike_ttl_days) (1 to 3650), C(saml_enabled) (needs C(sso_url) and C(cert)),
        C(sso_url), C(cert), C(partial_items_endpoint), C(partial_items_request_headers),
        C(is_demo_org), C(show_usage_statistics)."
      - "Review Console: C(requires_policy_for_decisions), C(mrt_requires_decision_reason) (before
        2026.06; on newer schemas sets both of the next two), C(mrt_requires_decision_reason_on_action),
        C(mrt_requires_decision_reason_on_ignore), C(hide_skip_button_for_non_admins),
        C(ignore_callback_url), C(preview_jobs_view_enabled)."
      - "Wellness: C(moderator_safety_mute_video), C(moderator_safety_grayscale),
        C(moderator_safety_blur_level) (0 to 6), C(moderator_safety_sepia) (2026.07 and later)."
      - URLs must be absolute C(http://) or C(https://) URLs. Nullable keys (URLs, headers, body,
        C(cert), C(sso_url)) accept C(null) to clear them.
    type: dict
  ncmec:
    description:
      - NCMEC CyberTipline reporting for the org(s), as a mapping of key to value; an O(orgs) item's
        C(ncmec) is merged over it. Keys not given are left alone. Keys are the columns of
        C(ncmec_reporting.ncmec_org_settings).
      - C(enabled) (default C(true)); C(false) turns reporting off by deleting the org's row, and
        then no other key may be given.
      - "Credentials, never shown and compared only: C(username), C(password). Both are needed
        to turn reporting on for an org that has no row."
      - "Report details: C(company_template), C(legal_url), C(contact_email), C(more_info_url),
        C(ncmec_preservation_endpoint), C(ncmec_additional_info_endpoint), C(terms_of_service)
        (at most 3000 characters), C(contact_person_email), C(contact_person_first_name),
        C(contact_person_last_name), C(contact_person_phone)."
      - "C(policies_applied_to_actions_run_on_report_creation) and
        C(actions_to_run_upon_report_creation): non-empty lists of ids, both or neither."
      - "C(default_ncmec_queue_id): one of the org's review queues (C(null) for its default queue);
        C(default_internet_detail_type): C(WEB_PAGE), C(EMAIL), C(NEWSGROUP), C(CHAT_IM),
        C(ONLINE_GAMING), C(CELL_PHONE), C(NON_INTERNET) or C(PEER_TO_PEER)."
      - "C(media_review_requirement): C(ALL) or C(MINIMUM) (Coop 1.0.1 and later);
        C(min_media_to_review): 1 or more, only with C(MINIMUM) (C(null) means 1)."
    type: dict
    version_added: 0.2.0
extends_documentation_fragment:
  - roost.coop.coop_db
seealso:
  - module: community.postgresql.postgresql_query
notes:
  - Coop's C(server.env) from the config role is a convenient O(env_file).
'''

EXAMPLES = r'''
- name: Wellness defaults and appeals for one org
  roost.coop.coop_org_setting:
    env_file: /etc/coop/server.env
    org: Acme Trust & Safety
    settings:
      has_appeals_enabled: true
      appeal_callback_url: https://hooks.acme.example/coop/appeals
      appeal_callback_headers:
        Authorization: "Bearer {{ acme_appeal_token }}"
      user_strike_ttl_days: 30
      moderator_safety_blur_level: 3

- name: NCMEC reporting on for one org, off for another
  roost.coop.coop_org_setting:
    env_file: /etc/coop/server.env
    orgs:
      - org: Acme Trust & Safety
        ncmec:
          username: "{{ vault_acme_ncmec_username }}"
          password: "{{ vault_acme_ncmec_password }}"
          company_template: Acme
          legal_url: https://acme.example/terms
          contact_email: safety@acme.example
          default_internet_detail_type: WEB_PAGE
      - org: Globex Safety
        ncmec:
          enabled: false

- name: SSO for an org, all three keys in one task
  roost.coop.coop_org_setting:
    login_host: db.internal
    login_db: coop
    login_user: coop
    login_password: "{{ coop_database_password }}"
    org: e7c89ce7729
    settings:
      saml_enabled: true
      sso_url: https://idp.example.com/app/coop/sso/saml
      cert: "{{ lookup('ansible.builtin.file', 'idp.pem') }}"

- name: Many orgs in one task, shared settings plus per-org overrides
  roost.coop.coop_org_setting:
    env_file: /etc/coop/server.env
    settings:
      requires_policy_for_decisions: true
      mrt_requires_decision_reason: true
    orgs:
      - Acme Trust & Safety
      - org: Globex Safety
        settings:
          moderator_safety_blur_level: 4
'''

RETURN = r'''
orgs:
  description: One entry per org, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The org's id.
      type: str
    name:
      description: The org's name.
      type: str
    changed:
      description: Whether anything changed (or would change, in check mode) for this org.
      type: bool
    created:
      description: Settings tables in which the org had no row and one was (or would be) created.
      type: list
      elements: str
    removed:
      description: Tables whose row of the org was (or would be) deleted (NCMEC reporting turned off).
      type: list
      elements: str
    changes:
      description:
        - Changed columns with C(before) and C(after) values; header values masked.
        - NCMEC keys are prefixed C(ncmec.); the credentials show as C(********).
      type: dict
  sample:
    - id: e7c89ce7729
      name: Test Org
      changed: true
      created: []
      removed: []
      changes:
        moderator_safety_blur_level: {before: 2, after: 3}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.roost.coop.plugins.module_utils.coop_db import coop_db_argument_spec
from ansible_collections.roost.coop.plugins.module_utils.coop_org_apply import ORG_OPTIONS, diffs, hide_only_secrets, run


def main():
    argument_spec = coop_db_argument_spec()
    argument_spec.update(ORG_OPTIONS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[('org', 'orgs')], required_one_of=[('org', 'orgs')])
    hide_only_secrets(module)
    results = run(module, module.params)
    changed = any(entry['changed'] for entry in results)
    result = dict(changed=changed, orgs=results)
    if module._diff:
        result['diff'] = diffs(results)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
