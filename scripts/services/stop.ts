/** `npm run services:stop`: stops what `npm run services:start` left running (see running.ts). */
import { stopServices } from "./running.ts";

console.log(await stopServices());
