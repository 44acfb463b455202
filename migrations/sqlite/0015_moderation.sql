CREATE TABLE `reports` (
	`id` text PRIMARY KEY NOT NULL,
	`reporter_id` text NOT NULL,
	`kind` text NOT NULL,
	`queue` text NOT NULL,
	`community_id` text,
	`channel_id` text,
	`seq` integer,
	`message_seq` integer,
	`accused_id` text,
	`reason` text NOT NULL,
	`comment` text NOT NULL,
	`disclosed` text,
	`verdict` text,
	`message_ts` integer,
	`status` text NOT NULL,
	`resolution` text,
	`resolved_by` text,
	`resolved_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reports_queue_idx` ON `reports` (`queue`,`community_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `reports_reporter_idx` ON `reports` (`reporter_id`,`status`);--> statement-breakpoint
CREATE TABLE `warnings` (
	`id` text PRIMARY KEY NOT NULL,
	`community_id` text,
	`user_id` text NOT NULL,
	`moderator_id` text NOT NULL,
	`reason` text NOT NULL,
	`report_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `warnings_user_idx` ON `warnings` (`user_id`,`community_id`);--> statement-breakpoint
ALTER TABLE `communities` ADD `warn_threshold` integer;--> statement-breakpoint
ALTER TABLE `communities` ADD `warn_timeout_seconds` integer;