// The bundled plugins, listed explicitly: nothing is discovered by scanning
// folders. Each is off until an ADMIN installs it on an account.
import type { PluginDefinition } from '../src/plugin-system/public.ts';
import businessHours from './business-hours/index.ts';
import contentCheck from './content-check/index.ts';
import twoPersonRule from './two-person-rule/index.ts';
import webhook from './webhook/index.ts';

export const BUNDLED_PLUGINS: readonly PluginDefinition[] = [twoPersonRule, contentCheck, businessHours, webhook];
