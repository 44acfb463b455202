/**
 * The ordered migration lists, one per dialect, bundled into the worker as text.
 *
 * drizzle-kit writes the SQL files (`npm run db:generate`); add each new file here in order.
 * tests/contract/migrations.test.ts fails when this list and drizzle's journal disagree.
 */
import sqlite0000 from './sqlite/0000_init.sql';
import postgres0000 from './postgres/0000_init.sql';
import sqlite0001 from './sqlite/0001_accounts.sql';
import postgres0001 from './postgres/0001_accounts.sql';
import sqlite0002 from './sqlite/0002_keys.sql';
import postgres0002 from './postgres/0002_keys.sql';
import sqlite0003 from './sqlite/0003_messaging.sql';
import postgres0003 from './postgres/0003_messaging.sql';
import sqlite0004 from './sqlite/0004_personal_groups.sql';
import postgres0004 from './postgres/0004_personal_groups.sql';
import sqlite0005 from './sqlite/0005_username_skeleton.sql';
import postgres0005 from './postgres/0005_username_skeleton.sql';
import sqlite0006 from './sqlite/0006_owner_grant.sql';
import postgres0006 from './postgres/0006_owner_grant.sql';
import sqlite0007 from './sqlite/0007_dm_requests.sql';
import postgres0007 from './postgres/0007_dm_requests.sql';
import sqlite0008 from './sqlite/0008_invite_admits.sql';
import postgres0008 from './postgres/0008_invite_admits.sql';
import sqlite0009 from './sqlite/0009_files.sql';
import postgres0009 from './postgres/0009_files.sql';
import sqlite0010 from './sqlite/0010_device_sessions.sql';
import postgres0010 from './postgres/0010_device_sessions.sql';
import sqlite0011 from './sqlite/0011_images.sql';
import postgres0011 from './postgres/0011_images.sql';
import sqlite0012 from './sqlite/0012_call_cap.sql';
import sqlite0013 from './sqlite/0013_disappearing.sql';
import postgres0012 from './postgres/0012_call_cap.sql';
import postgres0013 from './postgres/0013_disappearing.sql';
import sqlite0014 from './sqlite/0014_quarantine.sql';
import postgres0014 from './postgres/0014_quarantine.sql';
import sqlite0015 from './sqlite/0015_moderation.sql';
import postgres0015 from './postgres/0015_moderation.sql';
import sqlite0016 from './sqlite/0016_blocks.sql';
import postgres0016 from './postgres/0016_blocks.sql';
import sqlite0017 from './sqlite/0017_theme.sql';
import postgres0017 from './postgres/0017_theme.sql';
import sqlite0018 from './sqlite/0018_announcements.sql';
import postgres0018 from './postgres/0018_announcements.sql';
import sqlite0019 from './sqlite/0019_instance.sql';
import postgres0019 from './postgres/0019_instance.sql';
import sqlite0020 from './sqlite/0020_terms_suspension.sql';
import postgres0020 from './postgres/0020_terms_suspension.sql';
import sqlite0021 from './sqlite/0021_webhooks.sql';
import postgres0021 from './postgres/0021_webhooks.sql';
import sqlite0022 from './sqlite/0022_e2ee_webhooks.sql';
import postgres0022 from './postgres/0022_e2ee_webhooks.sql';
import sqlite0023 from './sqlite/0023_status.sql';
import postgres0023 from './postgres/0023_status.sql';

/** One migration: a stable id (the file name without `.sql`) and its SQL text. */
export interface Migration {
  id: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  { id: '0000_init', sql: sqlite0000 },
  { id: '0001_accounts', sql: sqlite0001 },
  { id: '0002_keys', sql: sqlite0002 },
  { id: '0003_messaging', sql: sqlite0003 },
  { id: '0004_personal_groups', sql: sqlite0004 },
  { id: '0005_username_skeleton', sql: sqlite0005 },
  { id: '0006_owner_grant', sql: sqlite0006 },
  { id: '0007_dm_requests', sql: sqlite0007 },
  { id: '0008_invite_admits', sql: sqlite0008 },
  { id: '0009_files', sql: sqlite0009 },
  { id: '0010_device_sessions', sql: sqlite0010 },
  { id: '0011_images', sql: sqlite0011 },
  { id: '0012_call_cap', sql: sqlite0012 },
  { id: '0013_disappearing', sql: sqlite0013 },
  { id: '0014_quarantine', sql: sqlite0014 },
  { id: '0015_moderation', sql: sqlite0015 },
  { id: '0016_blocks', sql: sqlite0016 },
  { id: '0017_theme', sql: sqlite0017 },
  { id: '0018_announcements', sql: sqlite0018 },
  { id: '0019_instance', sql: sqlite0019 },
  { id: '0020_terms_suspension', sql: sqlite0020 },
  { id: '0021_webhooks', sql: sqlite0021 },
  { id: '0022_e2ee_webhooks', sql: sqlite0022 },
  { id: '0023_status', sql: sqlite0023 },
];
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  { id: '0000_init', sql: postgres0000 },
  { id: '0001_accounts', sql: postgres0001 },
  { id: '0002_keys', sql: postgres0002 },
  { id: '0003_messaging', sql: postgres0003 },
  { id: '0004_personal_groups', sql: postgres0004 },
  { id: '0005_username_skeleton', sql: postgres0005 },
  { id: '0006_owner_grant', sql: postgres0006 },
  { id: '0007_dm_requests', sql: postgres0007 },
  { id: '0008_invite_admits', sql: postgres0008 },
  { id: '0009_files', sql: postgres0009 },
  { id: '0010_device_sessions', sql: postgres0010 },
  { id: '0011_images', sql: postgres0011 },
  { id: '0012_call_cap', sql: postgres0012 },
  { id: '0013_disappearing', sql: postgres0013 },
  { id: '0014_quarantine', sql: postgres0014 },
  { id: '0015_moderation', sql: postgres0015 },
  { id: '0016_blocks', sql: postgres0016 },
  { id: '0017_theme', sql: postgres0017 },
  { id: '0018_announcements', sql: postgres0018 },
  { id: '0019_instance', sql: postgres0019 },
  { id: '0020_terms_suspension', sql: postgres0020 },
  { id: '0021_webhooks', sql: postgres0021 },
  { id: '0022_e2ee_webhooks', sql: postgres0022 },
  { id: '0023_status', sql: postgres0023 },
];
