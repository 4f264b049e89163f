// Every scenario, in run order. A new scenario is a file in this folder
// exporting a Scenario (bench/lib/scenario.ts), plus one line here.
import type { Scenario } from '../lib/scenario.ts';
import { s1Members } from './s1-members.ts';
import { s2FanOut } from './s2-fan-out.ts';
import { s3Chats } from './s3-chats.ts';
import { s4ChatSend } from './s4-chat-send.ts';
import { s5Subscriptions } from './s5-subscriptions.ts';
import { s6Plugins } from './s6-plugins.ts';

export const scenarios: Scenario[] = [s1Members, s2FanOut, s3Chats, s4ChatSend, s5Subscriptions, s6Plugins];
