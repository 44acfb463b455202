ALTER TABLE "users" ADD COLUMN "quarantined_at" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "quarantine_reason" text;