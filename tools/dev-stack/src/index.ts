export { startApiProcess, startDevStack, type ApiProcess, type DevStack, type DevStackOptions } from './stack';
export { runDemo, demoBookPhoto } from './demo';
