CREATE TABLE `instance_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
-- An instance that already has an owner has made its one grant: ADMIN_USERNAME must not make another.
INSERT INTO instance_state (key, value) SELECT 'owner_granted_at', CAST(created_at AS TEXT) FROM users WHERE instance_role = 'owner';
