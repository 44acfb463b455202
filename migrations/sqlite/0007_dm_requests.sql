ALTER TABLE `channel_members` ADD `accepted_at` integer;--> statement-breakpoint
ALTER TABLE `channel_members` ADD `declined_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `dm_policy` text DEFAULT 'communities' NOT NULL;--> statement-breakpoint
-- Every DM made before requests existed was accepted by all its members when it was made.
UPDATE channel_members SET accepted_at = joined_at;
