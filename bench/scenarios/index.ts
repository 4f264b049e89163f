// Every scenario, in run order. A new scenario is a file in this folder
// exporting a Scenario (bench/lib/scenario.ts), plus one line here.
import type { Scenario } from '../lib/scenario.ts';
import { s1Members } from './s1-members.ts';

export const scenarios: Scenario[] = [s1Members];
