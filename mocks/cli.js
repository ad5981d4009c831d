#!/usr/bin/env node
// `npm start` / `npx vlens-mock`.
import { main } from './node/main.js';

main();
