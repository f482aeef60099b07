import { isUuid, type Visibility } from '@pipewright/core';
import { sql, type SqlBool } from 'kysely';
import { or, TRUE, type Condition } from './conditions.js';

/**
 * `visibleUnder` (core policies) as SQL. The org is checked by the caller's WHERE on
 * the org column; these add the owner / shared-user / shared-to-org rule.
 */
export function shareableVisible(alias: string, v: Visibility): Condition {
  if (v.all) return TRUE;
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  if (!isUuid(v.userId)) return sql<SqlBool>`${col('shared_to_org')}`;
  const user = v.userId.toLowerCase();
  return or([
    sql<SqlBool>`${col('owner_id')} = ${user}::uuid`,
    sql<SqlBool>`${col('shared_to_org')}`,
    sql<SqlBool>`${user}::uuid = any(${col('shared_user_ids')})`,
  ]);
}

/**
 * A run (alias `r`, already restricted to the org) is visible when its pipeline is, when
 * it has no pipeline and its workflow is, or when any pipeline linked to it is.
 */
export function runVisible(v: Visibility): Condition {
  if (v.all) return TRUE;
  const org = v.orgId.toLowerCase();
  return or([
    sql<SqlBool>`exists (select 1 from pipelines vp where vp.id = r.pipeline_id and vp.org_id = ${org}::uuid and ${shareableVisible('vp', v)})`,
    sql<SqlBool>`(r.pipeline_id is null and exists (select 1 from workflows vw where vw.id = r.workflow_id and vw.org_id = ${org}::uuid and ${shareableVisible('vw', v)}))`,
    sql<SqlBool>`exists (select 1 from run_linked_pipelines vl join pipelines vlp on vlp.id = vl.pipeline_id where vl.run_id = r.id and vlp.org_id = ${org}::uuid and ${shareableVisible('vlp', v)})`,
  ]);
}
