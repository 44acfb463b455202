ALTER TABLE "channel_members" ADD COLUMN "accepted_at" bigint;--> statement-breakpoint
ALTER TABLE "channel_members" ADD COLUMN "declined_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "dm_policy" text DEFAULT 'communities' NOT NULL;--> statement-breakpoint
-- Every DM made before requests existed was accepted by all its members when it was made.
UPDATE channel_members SET accepted_at = joined_at;
