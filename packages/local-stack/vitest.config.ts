export { default } from '@tideline/vitest-config';
