// The smallest real program: one app, loaded by package name as a user's program would.
import * as wacht from "pulumi-wacht";

const app = new wacht.WebhookApp("tiny", { name: "Tiny", slug: "tiny-app" });

export const slug = app.slug;
export const secret = app.signingSecret;
