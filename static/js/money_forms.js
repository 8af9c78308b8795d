/* Money forms: as an amount is typed, say how much of the agreement's commitment is left.
   Attached to <div data-money-room data-input="id_amount" data-currency="EUR"
   data-places="2" data-limit-minor="100000000" data-used-minor="60000000"
   data-left-label="Room left on the agreement"
   data-over-text="the room left on the agreement"> holding an <output data-room-output>.

   Amounts are counted in whole minor units (cents; yen) with BigInt, from the typed
   text, never through floating point. The server remains the authority: this only
   tells the person early what the service will say when the form is sent. */
(function () {
  "use strict";

  var AMOUNT = /^\s*(\d+)(?:\.(\d*))?\s*$/;

  // "1234.5" with 2 places -> 123450n; null when the text is not an amount of this currency.
  function toMinor(text, places) {
    var match = AMOUNT.exec(text);
    if (!match) {
      return null;
    }
    var fraction = match[2] || "";
    if (fraction.length > places) {
      return null;
    }
    while (fraction.length < places) {
      fraction += "0";
    }
    return BigInt(match[1] + fraction);
  }

  // English plural rule: one decimal, zero or several decimals.
  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  // 123450n, 2 places, "EUR" -> "EUR 1,234.50" (as the pages print money).
  function format(minor, places, currency) {
    var negative = minor < BigInt(0);
    var digits = (negative ? -minor : minor).toString();
    while (digits.length <= places) {
      digits = "0" + digits;
    }
    var whole = places ? digits.slice(0, digits.length - places) : digits;
    var fraction = places ? "." + digits.slice(digits.length - places) : "";
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return currency + " " + whole + fraction;
  }

  function describe(box, input) {
    var places = parseInt(box.getAttribute("data-places"), 10);
    var currency = box.getAttribute("data-currency");
    var limit = BigInt(box.getAttribute("data-limit-minor"));
    var used = BigInt(box.getAttribute("data-used-minor"));
    var label = box.getAttribute("data-left-label");
    var overText = box.getAttribute("data-over-text");
    var text = input.value;
    if (text.trim() === "") {
      return { message: "", over: false };
    }
    var typed = toMinor(text, places);
    if (typed === null) {
      return {
        message: places === 0
          ? "Type a whole number of " + currency + ", digits only, e.g. 150000."
          : "Type digits with at most " + plural(places, "decimal", "decimals") +
            " and no commas, e.g. 250000.00.",
        over: true
      };
    }
    var left = limit - used - typed;
    if (left < BigInt(0)) {
      return {
        message: "This is " + format(-left, places, currency) + " more than " + overText +
          " (" + format(limit - used, places, currency) + ").",
        over: true
      };
    }
    return {
      message: label + " after this amount: " + format(left, places, currency) + ".",
      over: false
    };
  }

  function attach(box) {
    var input = document.getElementById(box.getAttribute("data-input"));
    var output = box.querySelector("[data-room-output]");
    if (!input || !output) {
      return;
    }
    function update() {
      var result = describe(box, input);
      output.textContent = result.message;
      // Bootstrap's text-danger is under 4.5:1 on the box's tertiary background.
      output.classList.toggle("text-danger-emphasis", result.over);
      output.classList.toggle("fw-semibold", result.over);
    }
    input.addEventListener("input", update);
    update();
  }

  function init() {
    var boxes = document.querySelectorAll("[data-money-room]");
    for (var i = 0; i < boxes.length; i++) {
      attach(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
