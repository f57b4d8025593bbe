<?cs # Pieces the contact pages share: the tabs of the two books, the CSRF
     field, a form's message, the fields of a contact. ?>
<?cs def:ct_tabs(current) ?>
  <ul class="toolbar tabs" id="book-tabs">
    <li><a href="<?cs var:Page.Base ?>/contacts" id="tab-contacts"<?cs if:current == "contacts" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.contacts.tab_mine ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/addressbook" id="tab-addressbook"<?cs if:current == "addressbook" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.contacts.tab_domain ?></a></li>
  </ul>
<?cs /def ?>
<?cs def:ct_csrf() ?><input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>"><?cs /def ?>
<?cs def:ct_error(form) ?>
<?cs if:Page.FormError && Page.FormErrorAt == form ?>
  <p class="error" id="form-error" role="alert"><?cs if:Lang.contacts.err[Page.FormError] ?><?cs var:Lang.contacts.err[Page.FormError] ?><?cs else ?><?cs var:Lang.addressbook.err[Page.FormError] ?><?cs /if ?><?cs if:Form.Bad ?> <strong><?cs var:Form.Bad ?></strong><?cs /if ?></p>
<?cs /if ?>
<?cs /def ?>
<?cs def:ct_fields() ?>
    <label><?cs var:Lang.addressbook.name ?> <input name="name" maxlength="200" value="<?cs var:Form.name ?>"></label>
    <label><?cs var:Lang.addressbook.emails ?> <textarea name="emails" rows="2" cols="30"><?cs var:Form.emails ?></textarea></label>
    <label><?cs var:Lang.addressbook.phones ?> <textarea name="phones" rows="2" cols="20"><?cs var:Form.phones ?></textarea></label>
    <label><?cs var:Lang.addressbook.company ?> <input name="company" maxlength="200" value="<?cs var:Form.company ?>"></label>
    <label><?cs var:Lang.addressbook.notes ?> <textarea name="notes" rows="3" cols="30"><?cs var:Form.notes ?></textarea></label>
<?cs /def ?>
