import type pg from 'pg';

// A fingerprint of the main tables: row counts everywhere, and a checksum of the rows
// whose content no background work touches (runs and counters move on their own).
const CHECKSUMMED: Record<string, string> = {
  organizations: 'id, slug, name, mode',
  users: 'id, email, name, password_hash, is_active, is_server_admin, session_version',
  memberships: 'org_id, user_id, role',
  invitations: 'id, org_id, email, role',
  api_keys: 'id, org_id, kind, target_id, description, is_active, secret_hash, prefix, expires_at',
  workflows:
    'id, org_id, name, description, owner_id, shared_user_ids, shared_to_org, is_active, source, stages, destination',
  pipelines: 'id, org_id, name, description, workflow_id, owner_id, shared_user_ids, shared_to_org, enabled, schedule',
  tags: 'id, org_id, name, color, exclusive',
  pipeline_tags: 'pipeline_id, tag_id, position',
  file_histories: 'id, workflow_id, cache_key, file_path',
  connections: 'id, org_id, seq, name, description, kind, settings, sealed_secrets',
};
const COUNTED = ['runs', 'run_logs', 'file_executions'];

export async function snapshot(db: pg.Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, cols] of Object.entries(CHECKSUMMED)) {
    const r = await db.query(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM (SELECT ${cols} FROM ${table}) t`,
    );
    out[table] = `${r.rows[0].n}:${r.rows[0].h}`;
  }
  for (const table of COUNTED)
    out[table] = String((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
  return out;
}
