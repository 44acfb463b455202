ALTER TABLE "communities" ADD COLUMN "theme_source" text;--> statement-breakpoint
ALTER TABLE "communities" ADD COLUMN "theme_css" text;