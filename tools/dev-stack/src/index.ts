export { startDevStack, type DevStack, type DevStackOptions } from './stack';
export { runDemo, demoBookPhoto } from './demo';
