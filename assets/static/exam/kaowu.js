/* The shared helpers of common.js (a classic script every page loads first: window.Kaowu), for
   the exam page's modules to import like any other. */
export const { api, el, hms, errorText, toast, NetworkError } = window.Kaowu;
